// Where the debugger says a cell's source lives. A frontend computes the same path from the
// cell's text (debugInfo's hashMethod, hashSeed, tmpFilePrefix and tmpFileSuffix), so a
// breakpoint set in an editor and a frame reported by the kernel name the same file.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { murmur2 } from "./murmur2.js";

/** ipykernel's seed; any fixed number works, since the kernel tells the frontend. */
export const HASH_SEED = 0xc70f6907;
export const CELL_SUFFIX = ".ts";

/** One folder per kernel process (both threads compute the same one). */
export function cellPrefix(): string {
  return join(tmpdir(), `gradlab_${process.pid}`) + sep;
}

export function cellPath(code: string): string {
  return `${cellPrefix()}${murmur2(code, HASH_SEED)}${CELL_SUFFIX}`;
}

export function isCellPath(path: string): boolean {
  return path.startsWith(cellPrefix()) && path.endsWith(CELL_SUFFIX);
}

/** dumpCell: writes the cell where its path says, so tools that read files find it. */
export function dumpCell(code: string): string {
  const path = cellPath(code);
  mkdirSync(cellPrefix(), { recursive: true });
  writeFileSync(path, code);
  return path;
}
