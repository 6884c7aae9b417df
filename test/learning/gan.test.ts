import { describe, expect, it } from "vitest";
import { nn, optim, tensor, randn, zeros, ones, manualSeed, noGrad, Generator, type Tensor } from "../../lib/index.js";

// Four Gaussian modes at (±2, ±2) with σ = 0.1.
const MODES = [
  [2, 2],
  [-2, 2],
  [2, -2],
  [-2, -2],
];
const SIGMA = 0.1;

function realBatch(gen: Generator, n: number): Tensor {
  const d = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const m = MODES[gen.nextInt(0, MODES.length)];
    d[2 * i] = m[0] + SIGMA * gen.nextNormal();
    d[2 * i + 1] = m[1] + SIGMA * gen.nextNormal();
  }
  return tensor(d).reshape(n, 2);
}

/** Share of samples within 5σ of some mode, and how many modes get at least 5% of them. */
function onModes(samples: Tensor): { share: number; covered: number } {
  const d = samples.data;
  const n = samples.shape[0];
  const counts = MODES.map(() => 0);
  let near = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < MODES.length; k++) {
      if (Math.hypot(d[2 * i] - MODES[k][0], d[2 * i + 1] - MODES[k][1]) < 5 * SIGMA) {
        near++;
        counts[k]++;
        break;
      }
    }
  }
  return { share: near / n, covered: counts.filter((c) => c >= 0.05 * n).length };
}

describe("learning: GAN", () => {
  it("a GAN on a 2-D mixture of Gaussians moves its samples onto the modes", () => {
    manualSeed(5);
    const gen = new Generator(5);
    const G = new nn.Sequential(new nn.Linear(4, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 2));
    const D = new nn.Sequential(new nn.Linear(2, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 1));
    const optG = new optim.Adam(G.parameters(), { lr: 1e-3, betas: [0.5, 0.999] });
    const optD = new optim.Adam(D.parameters(), { lr: 1e-3, betas: [0.5, 0.999] });
    const bce = new nn.BCEWithLogitsLoss();
    const n = 256;
    const real1 = ones([n, 1]);
    const fake0 = zeros([n, 1]);
    const before = onModes(noGrad(() => G.call(randn([1000, 4]))));
    for (let step = 0; step < 1500; step++) {
      // Discriminator: real → 1, fake → 0.
      const fake = noGrad(() => G.call(randn([n, 4])));
      optD.zeroGrad();
      bce.call(D.call(realBatch(gen, n)), real1).add(bce.call(D.call(fake), fake0)).backward();
      optD.step();
      // Generator: make D call fakes real (non-saturating loss).
      optG.zeroGrad();
      bce.call(D.call(G.call(randn([n, 4]))), real1).backward();
      optG.step();
    }
    const after = onModes(noGrad(() => G.call(randn([1000, 4]))));
    console.log(`GAN: share of samples within 5σ of a mode ${before.share.toFixed(2)} → ${after.share.toFixed(2)}, modes covered ${after.covered}/4`);
    expect(before.share).toBeLessThan(0.2);
    expect(after.share).toBeGreaterThanOrEqual(0.7);
    expect(after.covered).toBeGreaterThanOrEqual(3);
  });
});
