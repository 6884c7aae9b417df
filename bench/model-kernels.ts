// Micro-benchmarks of the model kernel families at the tiny GPT's shapes (batch 32, block 64,
// d 128, 4 heads, vocab 65) and the char-LSTM's cell: each fused op (forward + backward
// through autograd) against the same math composed from primitive ops ("unfused"), and
// against TensorFlow.js-wasm where it has the op or an obvious composition.
//   node dist/bench/model-kernels.js [rounds] [row name filter, e.g. attention]
// One thread (setNumThreads(1); tfjs-wasm's non-threaded build), rounds interleaved (every
// contender once per round), the fastest round's *CPU time* reported: on shared cores the
// process's CPU time is what the work costs, wall time mostly how often it was descheduled.

import * as tf from "@tensorflow/tfjs-core";
import { F, randn, setNumThreads, tensor, type Tensor } from "../lib/index.js";
import { lstmCell } from "../lib/ops/nn/rnn.js";
import { referenceKernels } from "../lib/backend/reference.js";
import { getKernels, registerKernels, resetKernels } from "../lib/backend/index.js";
import { wasmKernels } from "../lib/backend/wasm/index.js";
import { useBackend } from "./tfjs.js";
import { table } from "./timing.js";

type Bench = () => void;
interface Row { name: string; fused: Bench; unfused?: Bench; unfusedLabel?: string; tfjs?: Bench }

const B = 32, T = 64, D = 128, H = 4, V = 65, HID = 128;

/** forward + backward of `f` at x with a fixed output gradient. */
function fwdBwd(f: (x: Tensor) => Tensor, x: Tensor): Bench {
  const leaf = x.detach().requiresGrad_();
  const g = randn(f(leaf).shape);
  return () => {
    leaf.grad = null;
    f(leaf).backward(g);
  };
}

/** The tiny GPT's attention: [32, 64, 4, 32] projections viewed as heads [32, 4, 64, 32] (batched matmuls). */
function attention(): Row {
  const mk = () => randn([B, T, H, D / H]).requiresGrad_();
  const q0 = mk(), k0 = mk(), v0 = mk(), g = randn([B, T, H, D / H]).transpose(1, 2);
  // the head views made anew each call (a backward frees the graph they belong to)
  const heads = (f: (q: Tensor, k: Tensor, v: Tensor) => Tensor) => () => f(q0.transpose(1, 2), k0.transpose(1, 2), v0.transpose(1, 2));
  const mask = tensor(Array.from({ length: T * T }, (_, i) => (i % T) > Math.floor(i / T)), { dtype: "bool" }).reshape(T, T);
  const run = (f: () => Tensor) => () => { q0.grad = k0.grad = v0.grad = null; f().backward(g); };
  const tq = tf.randomNormal([B * H, T, D / H]), tk = tf.randomNormal([B * H, T, D / H]), tv = tf.randomNormal([B * H, T, D / H]);
  const tmask = tf.mul(tf.tensor2d(Array.from({ length: T * T }, (_, i) => ((i % T) > Math.floor(i / T) ? 1 : 0)), [T, T]), -1e9);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(a, b, false, true), 1 / Math.sqrt(D / H)), tmask)), c));
  return {
    name: "attention fwd+bwd [32,4,64,32] causal, head views",
    fused: run(heads((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }))),
    unfused: run(heads((q, k, v) => F.softmax(q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(D / H)).maskedFill(mask, -Infinity), -1).matmul(v))),
    unfusedLabel: "matmul, mul, maskedFill, softmax, matmul",
    tfjs: () => tf.tidy(() => { for (const t of grads([tq, tk, tv])) t.dataSync(); }),
  };
}

/** Notebook 09's attention: [64, 6, 4, 8] projections viewed as heads [64, 4, 6, 8] (the small-shape kernel). */
function smallAttention(): Row {
  const [n, l, h, e] = [64, 6, 4, 8];
  const mk = () => randn([n, l, h, e]).requiresGrad_();
  const q = mk(), k = mk(), v = mk(), g = randn([n, l, h, e]).transpose(1, 2);
  const heads = (t: Tensor) => t.transpose(1, 2);
  const run = (f: () => Tensor) => () => { q.grad = k.grad = v.grad = null; f().backward(g); };
  return {
    name: "attention fwd+bwd [64,4,6,8] head views",
    fused: run(() => F.scaledDotProductAttention(heads(q), heads(k), heads(v))),
    unfused: run(() => F.softmax(heads(q).matmul(heads(k).transpose(-2, -1)).mul(1 / Math.sqrt(e)), -1).matmul(heads(v))),
    unfusedLabel: "matmul, mul, softmax, matmul",
  };
}

function tfGrad(f: (x: tf.Tensor) => tf.Tensor, shape: number[]): Bench {
  const x = tf.randomNormal(shape), g = tf.grad(f);
  return () => tf.tidy(() => g(x).dataSync());
}

function rows(): Row[] {
  const xs = randn([B * T * H, T]), ln = randn([B * T, D]), mlp = randn([B * T, 4 * D]);
  const w = randn([D]).requiresGrad_(), b = randn([D]).requiresGrad_();
  const logits = randn([B * T, V]);
  const labels = tensor(Array.from({ length: B * T }, (_, i) => (i * 7) % V), { dtype: "int32" });
  const onehot = tf.oneHot(tf.tensor1d(Array.from({ length: B * T }, (_, i) => (i * 7) % V), "int32"), V);
  const gates = randn([B, 4 * HID]), c = randn([B, HID]);
  const gw = tf.randomNormal([D]), gb = tf.randomNormal([D]);
  const tfLn = (x: tf.Tensor) => { const m = tf.moments(x, -1, true); return tf.add(tf.mul(tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), gw), gb); };
  return [
    {
      name: "softmax fwd+bwd [8192, 64]",
      fused: fwdBwd((x) => F.softmax(x, -1), xs),
      unfused: fwdBwd((x) => { const e = x.sub(x.max(-1, true).values).exp(); return e.div(e.sum(-1, true)); }, xs),
      unfusedLabel: "sub(max), exp, div(sum)",
      tfjs: tfGrad((x) => tf.softmax(x), [B * T * H, T]),
    },
    {
      name: "layerNorm fwd+bwd [2048, 128]",
      fused: fwdBwd((x) => F.layerNorm(x, [D], { weight: w, bias: b }), ln),
      unfused: fwdBwd((x) => { const m = x.mean(-1, true), xc = x.sub(m); return xc.div(xc.square().mean(-1, true).add(1e-5).sqrt()).mul(w).add(b); }, ln),
      unfusedLabel: "mean, sub, square, mean, sqrt, div, mul, add",
      tfjs: tfGrad(tfLn, [B * T, D]),
    },
    {
      name: "gelu (exact) fwd+bwd [2048, 512]",
      fused: fwdBwd((x) => F.gelu(x), mlp),
      unfused: withKernels(referenceKernels, fwdBwd((x) => F.gelu(x), mlp)),
      unfusedLabel: "the JS reference kernel",
      // tfjs has no erf-based gelu kernel: its tanh form, composed
      tfjs: tfGrad((x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(0.7978845608, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))), [B * T, 4 * D]),
    },
    attention(),
    smallAttention(),
    {
      name: "crossEntropy fwd+bwd [2048, 65]",
      fused: fwdBwd((x) => F.crossEntropy(x, labels), logits),
      unfused: fwdBwd((x) => F.nllLoss(F.logSoftmax(x, 1), labels), logits),
      unfusedLabel: "logSoftmax, nllLoss",
      tfjs: tfGrad((x) => tf.losses.softmaxCrossEntropy(onehot, x), [B * T, V]),
    },
    {
      name: "LSTM cell fwd+bwd [32, 4·128]",
      fused: (() => {
        const gl = gates.detach().requiresGrad_(), cl = c.detach().requiresGrad_(), g = randn([B, 2 * HID]);
        return () => { gl.grad = cl.grad = null; lstmCell(gl, cl).backward(g); };
      })(),
      unfused: (() => {
        const gl = gates.detach().requiresGrad_(), cl = c.detach().requiresGrad_(), g = randn([B, HID]);
        return () => {
          gl.grad = cl.grad = null;
          const [i, f, gg, o] = gl.chunk(4, -1);
          const c2 = F.sigmoid(f!).mul(cl).add(F.sigmoid(i!).mul(F.tanh(gg!)));
          F.sigmoid(o!).mul(F.tanh(c2)).add(c2).backward(g);
        };
      })(),
      unfusedLabel: "chunk, 3 sigmoid, 2 tanh, mul, add",
    },
  ];
}

/** Runs `bench` with the given kernel set installed (then the normal set again). */
function withKernels(kernels: Partial<typeof referenceKernels>, bench: Bench): Bench {
  return () => {
    const saved = { ...getKernels() };
    registerKernels(kernels, "bench");
    try { bench(); } finally { resetKernels(); registerKernels(saved, "wasm"); }
  };
}

function cpuMs(f: Bench): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 15);
  setNumThreads(1);
  if (!wasmKernels()) console.log("(wasm kernels unavailable: gradlab runs on the reference)");
  let haveTf = true;
  try { await useBackend("wasm"); } catch (e) { haveTf = false; console.log(`tfjs-wasm unavailable: ${(e as Error).message}`); }
  // a second argument keeps only the rows whose name contains it
  const only = process.argv[3];
  const all = rows().filter((r) => !only || r.name.includes(only));
  const best = all.map(() => [Infinity, Infinity, Infinity]);
  const load0 = (await import("node:os")).loadavg()[0]!;
  for (const r of all) { r.fused(); r.unfused?.(); if (haveTf) r.tfjs?.(); } // warm-up
  for (let k = 0; k < rounds; k++) {
    all.forEach((r, i) => {
      best[i]![0] = Math.min(best[i]![0]!, cpuMs(r.fused));
      if (r.unfused) best[i]![1] = Math.min(best[i]![1]!, cpuMs(r.unfused));
      if (haveTf && r.tfjs) best[i]![2] = Math.min(best[i]![2]!, cpuMs(r.tfjs));
    });
  }
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? `${(b / a).toFixed(1)}×` : "n/a");
  console.log(`model kernels, 1 thread, fastest of ${rounds} interleaved rounds, CPU ms (load ${load0.toFixed(2)} → ${(await import("node:os")).loadavg()[0]!.toFixed(2)})`);
  table(["op", "fused", "unfused", "tfjs-wasm", "fused vs unfused", "fused vs tfjs", "unfused path"],
    all.map((r, i) => [r.name, f(best[i]![0]!), f(best[i]![1]!), f(best[i]![2]!), ratio(best[i]![0]!, best[i]![1]!), ratio(best[i]![0]!, best[i]![2]!), r.unfusedLabel ?? ""]));
}

await main();
