import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, logGamma } from './beta.js';

describe('Beta distribution', () => {
  it('given whole numbers, then ln Γ is the log factorial', () => {
    expect(logGamma(1)).toBeCloseTo(0, 10);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('given closed forms, then the CDF matches them', () => {
    // Beta(1, 1) is uniform; Beta(a, 1) has CDF x^a; Beta(1, b) has CDF 1 - (1 - x)^b.
    expect(betaCdf(0.3, 1, 1)).toBeCloseTo(0.3, 10);
    expect(betaCdf(0.7, 3, 1)).toBeCloseTo(0.343, 10);
    expect(betaCdf(0.2, 1, 4)).toBeCloseTo(1 - 0.8 ** 4, 10);
    // Symmetry around the mean of a symmetric Beta, and the tails.
    expect(betaCdf(0.5, 7.5, 7.5)).toBeCloseTo(0.5, 10);
    expect(betaCdf(0, 2, 3)).toBe(0);
    expect(betaCdf(1, 2, 3)).toBe(1);
  });

  it('given a probability, then the quantile inverts the CDF, also for small fractional parameters', () => {
    for (const [a, b] of [
      [0.3, 1.7],
      [2, 5],
      [45, 5],
      [0.8, 120],
    ] as const) {
      for (const p of [0.025, 0.05, 0.5, 0.95])
        expect(betaCdf(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 8);
    }
    // Beta(2, 2): the 5 % quantile solves 3x² - 2x³ = 0.05 (x ≈ 0.1354).
    expect(betaQuantile(0.05, 2, 2)).toBeCloseTo(0.13535, 4);
    expect(() => betaCdf(0.5, 0, 1)).toThrow(RangeError);
  });
});
