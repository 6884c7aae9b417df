import { defineConfig } from "vitest/config";

// Unit and integration suites. Learning tests (slow, seeded model training) live in
// vitest.learning.config.ts and run with `npm run test:learning`.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/learning/**", "node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
