// tfjs-core's Node bundle carries no gradient functions: the full `@tensorflow/tfjs`
// package imports dist/register_all_gradients.js for that, an ES module tree written with
// extensionless imports that Node cannot load as is. A tiny module-loader hook adds the
// `.js` and marks those files as ES modules; the gradients register into tfjs' global
// registry, shared with the Node bundle, so tf.grads / optimizers work on every backend.

import { register, createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const HOOKS = `
const inCore = (u) => typeof u === "string" && u.includes("/@tensorflow/tfjs-core/dist/");
export async function resolve(specifier, context, next) {
  if (inCore(context.parentURL) && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    return next(specifier + ".js", context);
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (inCore(url) && url.endsWith(".js") && !/tf-core\\.[^/]*js$/.test(url)) {
    return next(url, { ...context, format: "module" });
  }
  return next(url, context);
}
`;

let done = false;

export async function registerTfjsGradients(): Promise<void> {
  if (done) return;
  done = true;
  register("data:text/javascript," + encodeURIComponent(HOOKS));
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("@tensorflow/tfjs-core/package.json"));
  await import(pathToFileURL(join(dist, "dist", "register_all_gradients.js")).href);
}
