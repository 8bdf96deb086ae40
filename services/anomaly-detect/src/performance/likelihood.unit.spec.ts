import { describe, expect, it } from 'vitest';
import { AnomalyLikelihood, gaussianUpperTail, recordEquivalentExcess } from './likelihood.js';

/** Deterministic noise in [0, 1) (a small LCG), so tests do not depend on Math.random. */
function uniform(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const OPTIONS = { averagePoints: 6, historyPoints: 2016, minHistoryPoints: 288 };

describe('gaussianUpperTail', () => {
  it('matches the standard normal tail at the usual quantiles, far out included', () => {
    expect(gaussianUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(gaussianUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(gaussianUpperTail(-1.959964)).toBeCloseTo(0.975, 6);
    expect(gaussianUpperTail(6) / 9.865876e-10).toBeCloseTo(1, 4);
  });
});

describe('recordEquivalentExcess', () => {
  it('is 0 at the chance of a record among n, 1 at its square, -1 at certainty', () => {
    expect(recordEquivalentExcess(1 / 337, 336)).toBeCloseTo(0, 10);
    expect(recordEquivalentExcess(1 / 337 ** 2, 336)).toBeCloseTo(1, 10);
    expect(recordEquivalentExcess(1, 336)).toBe(-1);
  });

  it('saturates at 1e-10, where the Gaussian tail is no longer evidence of anything finer', () => {
    expect(recordEquivalentExcess(0, 336)).toBe(recordEquivalentExcess(1e-10, 336));
  });
});

describe('AnomalyLikelihood', () => {
  it('given less history than its minimum, then every point has tail probability 1', () => {
    const lik = new AnomalyLikelihood(OPTIONS);
    for (let i = 0; i < OPTIONS.minHistoryPoints; i++) expect(lik.update(i % 2)).toBe(1);
  });

  it('given a stationary surprise, then a record-rare tail probability is itself rare', () => {
    const rnd = uniform(3);
    const lik = new AnomalyLikelihood(OPTIONS);
    const ps: number[] = [];
    for (let i = 0; i < 4 * OPTIONS.historyPoints; i++) ps.push(lik.update(0.5 * rnd()));
    const scored = ps.slice(OPTIONS.minHistoryPoints);
    // Independent half-hour averages a week holds: a record among them has chance 1/337.
    const recordRare = scored.filter((p) => p < 1 / 337).length;
    expect(recordRare / scored.length).toBeLessThan(0.01);
    expect(Math.min(...scored)).toBeGreaterThan(1e-6);
  });

  it('given a run of surprises each in the usual range but all high, then the run is improbable', () => {
    const rnd = uniform(5);
    const lik = new AnomalyLikelihood(OPTIONS);
    for (let i = 0; i < OPTIONS.historyPoints; i++) lik.update(0.5 * rnd());
    // Every surprise of the run lies inside [0, 0.5), where the history has them all the time.
    const run = Array.from({ length: 12 }, () => lik.update(0.45 + 0.05 * rnd()));
    expect(Math.min(...run)).toBeLessThan(1e-4); // ten times rarer than a record among 336
    expect(run[0]).toBeGreaterThan(1e-3); // one high point alone is ordinary
  });

  it('given a quiet history, then the lower bounds on mean and variance keep a small surprise ordinary', () => {
    const lik = new AnomalyLikelihood(OPTIONS);
    for (let i = 0; i < OPTIONS.historyPoints; i++) lik.update(0);
    expect(lik.update(0.05)).toBeGreaterThan(0.01);
  });

  it('given a state restored from JSON, then it continues bit for bit like the original', () => {
    const rnd = uniform(7);
    const a = new AnomalyLikelihood(OPTIONS);
    for (let i = 0; i < 2500; i++) a.update(rnd());
    const b = new AnomalyLikelihood(
      OPTIONS,
      JSON.parse(JSON.stringify(a.state())) as ReturnType<typeof a.state>,
    );
    for (let i = 0; i < 500; i++) {
      const x = rnd();
      expect(b.update(x)).toBe(a.update(x));
    }
    expect(a.state().history).toHaveLength(OPTIONS.historyPoints);
  });
});
