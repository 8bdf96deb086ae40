import { describe, expect, it } from 'vitest';
import { cliffsDelta, hodgesLehmann, median } from './effectSize.js';
import { fisherExact } from './fisher.js';
import { erfc, mannWhitney, normalSf, rankWithTies } from './mannWhitney.js';

// Reference values from scipy 1.17.1: mannwhitneyu(x, y, alternative=...) (default method 'auto', continuity
// correction on), fisher_exact([[e1, n1 - e1], [e2, n2 - e2]], alternative=...), and numpy's median of the pairwise
// differences y_j - x_i for the Hodges-Lehmann shift.
const close = (actual: number, expected: number, rel = 1e-6) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1e-12, Math.abs(expected)));

describe('Mann-Whitney U against scipy', () => {
  it('uses the normal approximation with tie correction when values tie', () => {
    const x = [1.2, 3.4, 3.4, 5.0, 2.2, 7.1, 3.4, 0.5, 9.9, 4.4];
    const y = [2.2, 6.0, 8.1, 3.4, 9.9, 12.0, 7.7, 6.5, 5.0];
    const r = mannWhitney(x, y);
    expect(r.method).toBe('asymptotic');
    expect(r.u).toBe(22);
    close(r.pTwoSided, 0.06464828042830238);
    close(r.pLess, 0.03232414021415119);
    close(r.pGreater, 0.9731842979418744);
    expect(r.z).toBeLessThan(0);
  });

  it('is exact for small samples without ties, also when only one side is small', () => {
    const r = mannWhitney([19.1, 21.5, 17.2, 23.0, 18.8], [24.3, 26.1, 22.7, 25.0, 27.9, 20.4]);
    expect(r).toMatchObject({ method: 'exact', u: 3 });
    close(r.pTwoSided, 0.030303030303030304, 1e-12);
    close(r.pLess, 0.015151515151515152, 1e-12);
    close(r.pGreater, 0.9913419913419913, 1e-12);

    const y = Array.from({ length: 30 }, (_, i) => (i + 1) / 7);
    const s = mannWhitney([3.1, 4.7, 2.2], y);
    expect(s).toMatchObject({ method: 'exact', u: 66 });
    close(s.pTwoSided, 0.21077712609970678, 1e-9);
    close(s.pLess, 0.905791788856305, 1e-9);
    close(s.pGreater, 0.10538856304985339, 1e-9);
  });

  it('matches on latency-like samples of realistic size', () => {
    const x = [
      1.0, 1.16, 0.87, 0.64, 0.8, 0.61, 1.03, 1.95, 0.78, 0.73, 1.28, 1.2, 1.05, 0.63, 0.99, 1.42, 0.51, 0.8,
      0.39, 0.52, 0.4, 0.89, 0.53, 1.15, 1.08, 0.91, 0.28, 0.76, 0.98, 1.06, 0.47, 0.79, 0.61, 0.67, 1.7,
      0.67, 0.98, 1.56, 0.75, 0.95, 1.06, 1.03, 0.54, 1.04, 1.97, 0.46, 1.54, 1.06, 0.73, 2.72, 1.46, 0.55,
      1.04, 1.33, 0.91, 1.41, 0.97, 1.4, 2.05, 0.71,
    ];
    const y = [
      1.35, 0.97, 1.3, 0.67, 0.91, 1.11, 1.91, 2.17, 0.63, 0.82, 1.69, 0.45, 0.97, 1.16, 2.29, 1.72, 1.04,
      1.02, 1.08, 2.62, 0.99, 1.05, 1.46, 1.15, 1.11, 0.7, 1.21, 0.98, 2.19, 1.69, 1.21, 1.71, 1.03, 2.07,
      1.22, 1.64, 0.64, 1.45, 0.53, 0.44, 1.05, 0.78, 1.33, 3.75, 0.81, 0.89, 1.35, 1.56, 1.12, 1.1, 1.74,
      1.58, 0.73, 1.17, 1.24, 0.72, 1.39, 0.8, 1.99, 1.34, 1.28, 0.91, 1.15, 0.45, 0.69, 1.46, 0.42, 1.87,
      0.51, 1.78,
    ];
    const r = mannWhitney(x, y);
    expect(r.u).toBe(1466);
    close(r.pTwoSided, 0.0030881185977283737);
    close(r.pLess, 0.0015440592988641868);
    close(r.pGreater, 0.9984791805738987);
    close(hodgesLehmann(x, y), 0.24, 1e-9);
  });

  it('finds no evidence when every value is equal, and refuses empty or non-finite samples', () => {
    expect(mannWhitney([1, 1, 1], [1, 1, 1, 1])).toMatchObject({ u: 6, pTwoSided: 1, pLess: 1, pGreater: 1 });
    expect(() => mannWhitney([], [1])).toThrow();
    expect(() => mannWhitney([Number.NaN], [1])).toThrow();
  });

  it('ranks ties by their average rank', () => {
    const { ranks, ties } = rankWithTies([3, 1, 3, 2, 3]);
    expect([...ranks]).toEqual([4, 1, 4, 2, 4]);
    expect(ties).toEqual([3]);
  });

  it('has a normal tail accurate far out (textbook values)', () => {
    close(normalSf(1.959963984540054), 0.025, 1e-6);
    close(normalSf(0), 0.5, 1e-6);
    close(normalSf(6), 9.865876450377e-10, 1e-6);
    close(erfc(-1), 1.842700792949715, 1e-6);
  });
});

describe('effect sizes', () => {
  it('Hodges-Lehmann is the median pairwise shift (scipy/numpy reference)', () => {
    const x = [1.2, 3.4, 3.4, 5.0, 2.2, 7.1, 3.4, 0.5, 9.9, 4.4];
    const y = [2.2, 6.0, 8.1, 3.4, 9.9, 12.0, 7.7, 6.5, 5.0];
    close(hodgesLehmann(x, y), 2.8, 1e-9);
    close(hodgesLehmann([19.1, 21.5, 17.2, 23.0, 18.8], [24.3, 26.1, 22.7, 25.0, 27.9, 20.4]), 4.75, 1e-9);
    // Thinning keeps a pure shift exact.
    const base = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 1000);
    expect(
      hodgesLehmann(
        base,
        base.map((v) => v + 5),
        100_000,
      ),
    ).toBe(5);
  });

  it("Cliff's delta counts dominance of the second sample, ties as neither", () => {
    expect(cliffsDelta([1, 2, 3], [4, 5])).toBe(1);
    expect(cliffsDelta([4, 5], [1, 2, 3])).toBe(-1);
    // Pairs: 2>1, 2=2, 2<3 ; 3>1, 3>2, 3=3 -> (3 - 1) / 6.
    expect(cliffsDelta([1, 2, 3], [2, 3])).toBeCloseTo(2 / 6, 12);
    // Consistent with U: delta = 2 U(b) / (n1 n2) - 1.
    const a = [0.5, 1.5, 2.5, 2.5, 9];
    const b = [1, 2.5, 3, 4];
    expect(cliffsDelta(a, b)).toBeCloseTo((2 * mannWhitney(b, a).u) / (a.length * b.length) - 1, 12);
  });

  it('median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("Fisher's exact test against scipy", () => {
  it('gives the one- and two-sided p-values of error counts', () => {
    const r = fisherExact({ errors: 2, requests: 200 }, { errors: 9, requests: 200 });
    close(r.pGreater, 0.03090698291264354);
    close(r.pLess, 0.9946668750856013);
    close(r.pTwoSided, 0.06181396582528708);
    const none = fisherExact({ errors: 0, requests: 150 }, { errors: 3, requests: 150 });
    close(none.pGreater, 0.12374581939799331);
    close(none.pTwoSided, 0.24749163879598662);
    expect(none.pLess).toBe(1);
    const fewer = fisherExact({ errors: 5, requests: 100 }, { errors: 0, requests: 100 });
    close(fewer.pLess, 0.029691605234293292);
    close(fewer.pTwoSided, 0.059383210468586585);
    const same = fisherExact({ errors: 1, requests: 10 }, { errors: 1, requests: 10 });
    close(same.pGreater, 0.763157894736842);
    expect(same.pTwoSided).toBe(1);
  });

  it('refuses impossible counts', () => {
    expect(() => fisherExact({ errors: 3, requests: 2 }, { errors: 0, requests: 1 })).toThrow();
    expect(() => fisherExact({ errors: -1, requests: 2 }, { errors: 0, requests: 1 })).toThrow();
  });
});
