import { describe, expect, it } from "vitest";
import { nn, optim, tensor, manualSeed, noGrad, Generator, type Tensor } from "../../lib/index.js";

/** Batch of sine windows sin(ω t + φ), t = 0..len, random phases: inputs [N, len, 1] and next values [N, len, 1]. */
function sineBatch(gen: Generator, n: number, len: number, omega: number): { x: Tensor; y: Tensor; phases: number[] } {
  const xs = new Float32Array(n * len);
  const ys = new Float32Array(n * len);
  const phases: number[] = [];
  for (let i = 0; i < n; i++) {
    const phi = gen.nextDouble() * 2 * Math.PI;
    phases.push(phi);
    for (let t = 0; t < len; t++) {
      xs[i * len + t] = Math.sin(omega * t + phi);
      ys[i * len + t] = Math.sin(omega * (t + 1) + phi);
    }
  }
  return { x: tensor(xs).reshape(n, len, 1), y: tensor(ys).reshape(n, len, 1), phases };
}

class SineNet extends nn.Module {
  lstm = new nn.LSTM(1, 24, { batchFirst: true });
  head = new nn.Linear(24, 1);
  override forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const [out, st] = this.lstm.call(x, state);
    return [this.head.call(out), st];
  }
}

describe("learning: LSTM", () => {
  it("an LSTM continues a sine wave with low error", () => {
    manualSeed(3);
    const gen = new Generator(3);
    const omega = 0.3;
    const model = new SineNet();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const lossFn = new nn.MSELoss();
    for (let step = 0; step < 300; step++) {
      const { x, y } = sineBatch(gen, 16, 24, omega);
      opt.zeroGrad();
      const [pred] = model.call(x);
      const loss = lossFn.call(pred, y);
      loss.backward();
      nn.utils.clipGradNorm(model.parameters(), 1);
      opt.step();
    }
    // Free-running continuation: warm up on 24 true values, then feed predictions back for 20 steps.
    const { x, phases } = sineBatch(new Generator(99), 8, 24, omega);
    let err = 0;
    noGrad(() => {
      let [pred, state] = model.call(x);
      let last = pred.narrow(1, 23, 1);
      const outs: Tensor[] = [];
      for (let k = 0; k < 20; k++) {
        outs.push(last);
        [pred, state] = model.call(last, state);
        last = pred;
      }
      outs.forEach((o, k) => {
        const v = o.data;
        phases.forEach((phi, i) => {
          err += (v[i] - Math.sin(omega * (24 + k) + phi)) ** 2;
        });
      });
    });
    const mse = err / (20 * phases.length);
    console.log(`LSTM sine continuation MSE over 20 free-running steps: ${mse.toExponential(2)}`);
    expect(mse).toBeLessThan(0.01);
  });
});
