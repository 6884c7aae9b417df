#!/usr/bin/env node
// The `gradlab` command. The CLI is written in TypeScript under kernel/ and compiled to dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
// The parent that started us, read before it can die (kernel/io/watchdog.ts watches it).
globalThis[Symbol.for("gradlab.startPpid")] = process.ppid;
const cli = new URL("../dist/kernel/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error("gradlab: dist/ is missing. Run `npm run build` in the gradlab checkout first.");
  process.exit(1);
}
await import(cli.href);
