// A notebook folder for the interop suites: files written under a temp dir (removed by the
// suite's afterAll(removeTempDirs)).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "../temp-dirs.js";

export function notebookFolder(files: Record<string, string>): string {
  const dir = tempDir("gradlab-interop-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export const packageJson = (fields: Record<string, unknown>): string => JSON.stringify(fields);
