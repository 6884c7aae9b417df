// Parsing JSDoc is ~3/4 of the cost of parsing TypeScript's lib (and @types/node): the lib
// parses in ~40 ms without it and ~150 ms with it. Library files are therefore first parsed
// without JSDoc (nothing a type check needs is lost) and re-parsed with it once the kernel is
// idle, so signature help and inspect show their documentation from then on.
//
// TypeScript's document registry asserts one JSDoc mode per registry, so this routes library
// files to a second registry until they are upgraded.
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

export interface DocsAwareRegistry {
  registry: TS.DocumentRegistry;
  /** Marks every library file parsed without JSDoc for a re-parse with it; their script versions must change. */
  upgrade(): void;
  isUpgraded(path: string): boolean;
  /** Whether some library file is still parsed without JSDoc and not marked for upgrade. */
  hasBareDocuments(): boolean;
}

type Options = TS.CreateSourceFileOptions | TS.ScriptTarget | undefined;
interface Held { key: TS.DocumentRegistryBucketKey; kind: TS.ScriptKind | undefined; format: TS.ResolutionMode }

export function docsAwareRegistry(isLibrary: (fileName: string) => boolean, cwd: string): DocsAwareRegistry {
  const ts = typescript();
  const full = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, cwd);
  const bare = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, cwd, ts.JSDocParsingMode.ParseNone);
  const inBare = new Map<string, Held>();
  const upgraded = new Set<string>();
  // The language service builds a fresh options object for every call: set the mode in place.
  const bareOptions = (o: Options): Options => {
    if (typeof o === "object") o.jsDocParsingMode = ts.JSDocParsingMode.ParseNone;
    return o;
  };
  const formatOf = (o: Options): TS.ResolutionMode => (typeof o === "object" ? o.impliedNodeFormat : undefined);

  const registry: TS.DocumentRegistry = {
    ...full,
    acquireDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, options) {
      if (isLibrary(fileName) && !upgraded.has(path)) {
        inBare.set(path, { key, kind, format: formatOf(options) });
        return bare.acquireDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, bareOptions(options));
      }
      return full.acquireDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, options);
    },
    updateDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, options) {
      const held = inBare.get(path);
      if (held && !upgraded.has(path)) return bare.updateDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, bareOptions(options));
      if (held) {
        // First use after the upgrade: the language service believes it updates; move the
        // document to the full registry (a fresh parse there) and drop the bare one.
        inBare.delete(path);
        bare.releaseDocumentWithKey(path, held.key, held.kind ?? ts.ScriptKind.TS, held.format);
        return full.acquireDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, options);
      }
      return full.updateDocumentWithKey(fileName, path, settings, key, snapshot, version, kind, options);
    },
    releaseDocumentWithKey(path: TS.Path, key: TS.DocumentRegistryBucketKey, kind?: TS.ScriptKind, format?: TS.ResolutionMode) {
      const held = inBare.get(path);
      if (held) {
        inBare.delete(path);
        return bare.releaseDocumentWithKey(path, held.key, kind ?? ts.ScriptKind.TS, format);
      }
      return full.releaseDocumentWithKey(path, key, kind ?? ts.ScriptKind.TS, format);
    },
  };
  return {
    registry,
    upgrade: () => { for (const p of inBare.keys()) upgraded.add(p); },
    isUpgraded: (p) => upgraded.has(p),
    hasBareDocuments: () => [...inBare.keys()].some((p) => !upgraded.has(p)),
  };
}
