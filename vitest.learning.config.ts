import { defineConfig } from "vitest/config";

// Seeded training runs that check a model actually learns (bounded in time, never timed).
export default defineConfig({
  test: {
    include: ["test/learning/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
