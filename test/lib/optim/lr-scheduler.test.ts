import { describe, expect, it } from "vitest";
import { SGD, Adam, lrScheduler } from "../../../lib/optim/index.js";
import { param } from "./helpers.js";

function lrs(sched: { step(): void; getLastLr(): number[] }, n: number): number[] {
  const out = [sched.getLastLr()[0]];
  for (let i = 1; i < n; i++) {
    sched.step();
    out.push(sched.getLastLr()[0]);
  }
  return out;
}

describe("lrScheduler", () => {
  it("StepLR multiplies by gamma every stepSize epochs", () => {
    const opt = new SGD([param([1])], { lr: 1 });
    const s = new lrScheduler.StepLR(opt, 2, { gamma: 0.1 });
    const got = lrs(s, 5);
    [1, 1, 0.1, 0.1, 0.01].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.01, 12);
  });

  it("ExponentialLR multiplies by gamma every epoch", () => {
    const opt = new SGD([param([1])], { lr: 2 });
    const got = lrs(new lrScheduler.ExponentialLR(opt, 0.5), 4);
    [2, 1, 0.5, 0.25].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  it("CosineAnnealingLR: half way it is the mean of base and etaMin, at tMax it is etaMin", () => {
    const opt = new SGD([param([1])], { lr: 1 });
    const got = lrs(new lrScheduler.CosineAnnealingLR(opt, 10, { etaMin: 0.2 }), 11);
    expect(got[0]).toBeCloseTo(1, 12);
    expect(got[5]).toBeCloseTo(0.6, 12);
    expect(got[10]).toBeCloseTo(0.2, 12);
    // 0.2 + 0.8·(1 + cos(π/10))/2
    expect(got[1]).toBeCloseTo(0.2 + 0.4 * (1 + Math.cos(Math.PI / 10)), 12);
  });

  it("OneCycleLR: warm-up from maxLr/25 to maxLr, anneal to maxLr/25/1e4; momentum the other way", () => {
    const opt = new SGD([param([1])], { lr: 0.1, momentum: 0.9 });
    const s = new lrScheduler.OneCycleLR(opt, 1, { totalSteps: 10 });
    const mom = [opt.paramGroups[0].momentum];
    const got = [s.getLastLr()[0]];
    for (let i = 1; i < 10; i++) {
      s.step();
      got.push(s.getLastLr()[0]);
      mom.push(opt.paramGroups[0].momentum);
    }
    expect(got[0]).toBeCloseTo(0.04, 12);
    // phase 1 ends at step 0.3·10 − 1 = 2; step 1 is half way on the cosine: 1 − 0.96/2
    expect(got[1]).toBeCloseTo(0.52, 12);
    expect(got[2]).toBeCloseTo(1, 12);
    expect(got[9]).toBeCloseTo(4e-6, 15);
    expect(mom[0]).toBeCloseTo(0.95, 12);
    expect(mom[2]).toBeCloseTo(0.85, 12);
    expect(mom[9]).toBeCloseTo(0.95, 12);
    s.step(); // the 10th step after construction is allowed, as in PyTorch
    expect(() => s.step()).toThrow(/tried to step 11 times; totalSteps is 10/);
  });

  it("OneCycleLR cycles Adam's beta1", () => {
    const opt = new Adam([param([1])]);
    new lrScheduler.OneCycleLR(opt, 0.01, { epochs: 2, stepsPerEpoch: 5, annealStrategy: "linear" });
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.95, 12);
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.0004, 12);
  });
});

describe("scheduler state", () => {
  it("stateDict / loadStateDict resume the schedule", () => {
    const opt = new SGD([param([1])], { lr: 1 });
    const a = new lrScheduler.StepLR(opt, 2, { gamma: 0.5 });
    a.step();
    a.step();
    a.step();
    const sd = a.stateDict();
    expect(sd.lastEpoch).toBe(3);
    const opt2 = new SGD([param([1])], { lr: 1 });
    const b = new lrScheduler.StepLR(opt2, 2, { gamma: 0.5 });
    b.loadStateDict(sd);
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
    expect(opt2.paramGroups[0].lr).toBeCloseTo(0.25, 12);
  });

  it("each parameter group follows its own base rate", () => {
    const opt = new SGD([{ params: [param([1])], lr: 1 }, { params: [param([1])], lr: 0.1 }]);
    const s = new lrScheduler.ExponentialLR(opt, 0.5);
    s.step();
    expect(s.getLastLr()).toEqual([0.5, 0.05]);
  });
});

describe("more schedules", () => {
  it("LambdaLR, MultiStepLR and LinearLR", () => {
    const got = (s: { step(): void; getLastLr(): number[] }, n: number) => lrs(s, n);
    expect(got(new lrScheduler.LambdaLR(new SGD([param([1])], { lr: 2 }), (e) => 1 / (e + 1)), 4)).toEqual([2, 1, 2 / 3, 0.5]);
    const ms = got(new lrScheduler.MultiStepLR(new SGD([param([1])], { lr: 1 }), [1, 3], { gamma: 0.5 }), 5);
    [1, 0.5, 0.5, 0.25, 0.25].forEach((v, i) => expect(ms[i]).toBeCloseTo(v, 12));
    const lin = got(new lrScheduler.LinearLR(new SGD([param([1])], { lr: 1 }), { startFactor: 0.25, totalIters: 3 }), 5);
    [0.25, 0.5, 0.75, 1, 1].forEach((v, i) => expect(lin[i]).toBeCloseTo(v, 12));
  });

  it("ReduceLROnPlateau: reduces after `patience` bad epochs, then waits out the cooldown", () => {
    const opt = new SGD([param([1])], { lr: 1 });
    const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, cooldown: 1 });
    const lrsSeen: number[] = [];
    for (const loss of [1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5]) {
      s.step(loss);
      lrsSeen.push(opt.paramGroups[0].lr);
    }
    // bad epochs: 3rd, 4th, 5th → reduce at the 5th (3 > patience 2); cooldown swallows the
    // 6th; 7th, 8th bad; the 9th improves.
    expect(lrsSeen).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const s2 = new lrScheduler.ReduceLROnPlateau(new SGD([param([1])], { lr: 1 }), { mode: "max", patience: 0, minLr: 0.3 });
    s2.step(0.5);
    s2.step(0.4);
    expect(s2.getLastLr()).toEqual([0.3]);
  });
});

describe("LambdaLR state", () => {
  it("leaves the functions out of the state dict", () => {
    const s = new lrScheduler.LambdaLR(new SGD([param([1])], { lr: 1 }), (e) => 0.9 ** e);
    s.step();
    const sd = s.stateDict();
    expect(sd.lastEpoch).toBe(1);
    expect(Object.values(sd).some((v) => typeof v === "function" || (Array.isArray(v) && v.some((e) => typeof e === "function")))).toBe(false);
    expect(JSON.parse(JSON.stringify(sd)).lastEpoch).toBe(1);
  });
});
