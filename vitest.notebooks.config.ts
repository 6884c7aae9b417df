import { defineConfig } from "vitest/config";

// Executes every tutorial notebook (gradlab run and Debian's nbconvert), renders the outputs with
// JupyterLab's renderers in chromium, and runs the browser check
// under Debian's jupyter-notebook. Slow, so it is its own suite: `npm run test:notebooks`.
// Files run one at a time, so the live-curves overhead check (< 2% of a training loop's wall
// time) also lives here: with other test files sharing the 2 cores it measures the contention.
export default defineConfig({
  test: {
    include: ["test/e2e/notebooks.test.ts", "test/e2e/browser-notebook.test.ts", "test/visualizers/live-kernel.test.ts"],
    env: { GRADLAB_NOTEBOOK_SUITE: "1" },
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
