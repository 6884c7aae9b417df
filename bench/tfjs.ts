// TensorFlow.js peers for the benchmark: the same workloads written against tfjs-core,
// run on @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD) and @tensorflow/tfjs-backend-cpu.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { registerTfjsGradients } from "./tfjs-gradients.js";

export type TfBackend = "wasm" | "cpu";

export async function useBackend(name: TfBackend): Promise<void> {
  await registerTfjsGradients();
  if (name === "wasm") {
    const require = createRequire(import.meta.url);
    setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}

export function matmulOp(n: number): { run: () => void; dispose: () => void } {
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  return {
    run: () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    },
    dispose: () => tf.dispose([a, b]),
  };
}

/** conv forward + both gradients; NHWC (tfjs' layout). Throws if the backend lacks a kernel. */
export function convOp(n: number, cIn: number, h: number, w: number, cOut: number, k: number): { run: () => void; dispose: () => void } {
  const x = tf.randomNormal([n, h, w, cIn]);
  const f = tf.randomNormal([k, k, cIn, cOut]);
  const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, "valid"));
  return {
    run: () => {
      tf.tidy(() => {
        const [dx, df] = grads([x, f]);
        dx!.dataSync();
        df!.dataSync();
      });
    },
    dispose: () => tf.dispose([x, f]),
  };
}

function dense(inF: number, outF: number): tf.Variable[] {
  const s = Math.sqrt(1 / inF);
  return [tf.variable(tf.randomUniform([inF, outF], -s, s)), tf.variable(tf.zeros([outF]))];
}

function batch(shape: number[]): { x: tf.Tensor; y: tf.Tensor } {
  const x = tf.randomNormal(shape);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: shape[0]! }, (_, i) => i % 10), "int32"), 10);
  return { x, y };
}

/** One Adam step of an MLP 784-256-10 on a batch of 64. */
export function mlpStep(): { run: () => void; dispose: () => void } {
  const [w1, b1] = dense(784, 256), [w2, b2] = dense(256, 10);
  const { x, y } = batch([64, 784]);
  const opt = tf.train.adam(1e-3);
  return {
    run: () => {
      const loss = opt.minimize(() => {
        const h = tf.relu(tf.add(tf.matMul(x, w1!), b1!));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w2!), b2!)) as tf.Scalar;
      }, true);
      loss!.dataSync();
      loss!.dispose();
    },
    dispose: () => tf.dispose([w1!, b1!, w2!, b2!, x, y]),
  };
}

/** One Adam step of LeNet-5 (conv5-pool-conv5-pool-120-84-10) on 64 images 28×28. */
export function lenetStep(): { run: () => void; dispose: () => void } {
  const s1 = Math.sqrt(1 / 25), s2 = Math.sqrt(1 / 150);
  const c1 = tf.variable(tf.randomUniform([5, 5, 1, 6], -s1, s1)), cb1 = tf.variable(tf.zeros([6]));
  const c2 = tf.variable(tf.randomUniform([5, 5, 6, 16], -s2, s2)), cb2 = tf.variable(tf.zeros([16]));
  const [f1, fb1] = dense(400, 120), [f2, fb2] = dense(120, 84), [f3, fb3] = dense(84, 10);
  const { x, y } = batch([64, 28, 28, 1]);
  const opt = tf.train.adam(1e-3);
  const vars = [c1, cb1, c2, cb2, f1!, fb1!, f2!, fb2!, f3!, fb3!];
  return {
    run: () => {
      const loss = opt.minimize(() => {
        let h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, c1 as tf.Tensor4D, 1, "same"), cb1)) as tf.Tensor4D;
        h = tf.maxPool(h, 2, 2, "valid");
        h = tf.relu(tf.add(tf.conv2d(h, c2 as tf.Tensor4D, 1, "valid"), cb2)) as tf.Tensor4D;
        h = tf.maxPool(h, 2, 2, "valid");
        let z: tf.Tensor = tf.reshape(h, [64, 400]);
        z = tf.relu(tf.add(tf.matMul(z, f1!), fb1!));
        z = tf.relu(tf.add(tf.matMul(z, f2!), fb2!));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(z, f3!), fb3!)) as tf.Scalar;
      }, true);
      loss!.dataSync();
      loss!.dispose();
    },
    dispose: () => tf.dispose([...vars, x, y]),
  };
}
