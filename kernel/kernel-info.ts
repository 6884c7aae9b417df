// The static kernel_info_reply content.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gradlabPackage } from "./package-root.js";
import { PROTOCOL_VERSION } from "./transport/message.js";

function packageVersion(spec: string): string {
  try {
    const req = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(req.resolve(spec), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function kernelInfo(): Record<string, unknown> {
  const version = gradlabPackage().version;
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "gradlab",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: packageVersion("typescript/package.json"),
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: "typescript",
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `gradlab ${version}: TypeScript deep learning (Node ${process.version}). %typecheck off|on toggles type checking; ?name shows documentation.`,
    help_links: [{ text: "gradlab", url: "https://github.com/gradlab/gradlab#readme" }],
    debugger: true,
  };
}
