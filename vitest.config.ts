import { defineConfig } from "vitest/config";

// Unit and integration suites. Slow suites have their own configs: learning tests (seeded
// model training, `npm run test:learning`) and notebook execution + browser check
// (`npm run test:notebooks`, which also runs the live-curves overhead check on its own).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/learning/**", "test/e2e/notebooks.test.ts", "test/e2e/browser-notebook.test.ts", "test/visualizers/live-kernel.test.ts", "node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
