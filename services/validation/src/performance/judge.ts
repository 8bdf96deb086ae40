/**
 * The performance judgement of a patch, in the way Kayenta judges a canary: a metric counts as changed only when the
 * Mann-Whitney test finds the difference significant AND its size (Hodges-Lehmann shift relative to the baseline
 * median) is beyond a tolerance. Significance alone is not enough: with a few hundred samples on a loaded 2-core
 * machine, two processes of the same build differ "significantly" by a few per cent (JIT, GC, memory layout), and
 * such noise must not fail a good patch.
 */
import { cliffsDelta, hodgesLehmann, median } from './effectSize.js';
import { fisherExact, type ErrorCounts } from './fisher.js';
import { mannWhitney } from './mannWhitney.js';

export type LatencyVerdict = 'improved' | 'unchanged' | 'regressed';

export interface LatencyOptions {
  /** A latency incident: the patch must show a significant improvement to pass. */
  expectImprovement: boolean;
  /** Significance level of the one-sided test in the direction judged. */
  alpha: number;
  /** Tolerance on the relative shift (0.1: a shift under 10 % of the baseline median is no change). */
  minEffect: number;
  /**
   * Tolerance in milliseconds: a shift under it is no change whatever its relative size, so sub-millisecond routes
   * are not judged on scheduling jitter. Default 1 ms.
   */
  minShiftMs?: number;
  /** Fewer samples than this on a side give 'unchanged' with `sufficient: false`. Default 20. */
  minSamples?: number;
}

export interface LatencyJudgement {
  verdict: LatencyVerdict;
  baselineMedian: number;
  observedMedian: number;
  /** Relative change of the medians, (observed - baseline) / baseline. */
  change: number;
  /** p of the one-sided test in the direction of the observed shift. */
  p: number;
  effect: {
    /** Hodges-Lehmann shift patched - base, ms. */
    shiftMs: number;
    /** The shift relative to the baseline median: the quantity held against `minEffect`. */
    relativeShift: number;
    /** Cliff's delta of patched against base: > 0 when the patched build tends to be slower. */
    cliffsDelta: number;
  };
  samples: { base: number; patched: number };
  sufficient: boolean;
  passed: boolean;
  reason: string;
}

export const DEFAULT_LATENCY_TOLERANCE = {
  alpha: 0.01,
  minEffect: 0.1,
  minShiftMs: 1,
  minSamples: 20,
} as const;

export function judgeLatency(
  base: readonly number[],
  patched: readonly number[],
  opts: LatencyOptions,
): LatencyJudgement {
  const minShiftMs = opts.minShiftMs ?? DEFAULT_LATENCY_TOLERANCE.minShiftMs;
  const minSamples = Math.max(1, opts.minSamples ?? DEFAULT_LATENCY_TOLERANCE.minSamples);
  const baselineMedian = median(base);
  const observedMedian = median(patched);
  const samples = { base: base.length, patched: patched.length };
  if (base.length < minSamples || patched.length < minSamples) {
    return {
      verdict: 'unchanged',
      baselineMedian,
      observedMedian,
      change: relative(observedMedian, baselineMedian),
      p: 1,
      effect: { shiftMs: Number.NaN, relativeShift: Number.NaN, cliffsDelta: 0 },
      samples,
      sufficient: false,
      // Too little data proves nothing: it cannot show an improvement, and it cannot clear a patch either.
      passed: false,
      reason: `too few samples (base ${base.length}, patched ${patched.length}; at least ${minSamples} each)`,
    };
  }
  const test = mannWhitney(patched, base);
  const shiftMs = hodgesLehmann(base, patched);
  const relativeShift = baselineMedian > 0 ? shiftMs / baselineMedian : shiftMs > 0 ? Infinity : 0;
  const effect = { shiftMs, relativeShift, cliffsDelta: cliffsDelta(base, patched) };
  const beyondTolerance = Math.abs(relativeShift) > opts.minEffect && Math.abs(shiftMs) > minShiftMs;
  const slower = shiftMs > 0;
  const p = slower ? test.pGreater : test.pLess;
  const verdict: LatencyVerdict =
    p < opts.alpha && beyondTolerance ? (slower ? 'regressed' : 'improved') : 'unchanged';
  const passed = opts.expectImprovement ? verdict === 'improved' : verdict !== 'regressed';
  const described =
    `median ${fmt(baselineMedian)} -> ${fmt(observedMedian)} ms, shift ${shiftMs >= 0 ? '+' : ''}${fmt(shiftMs)} ms ` +
    `(${pct(relativeShift)} of the baseline median), one-sided p ${p.toExponential(2)}`;
  const tolerance = `tolerance ${pct(opts.minEffect)} and ${minShiftMs} ms at alpha ${opts.alpha}`;
  const reason =
    verdict === 'unchanged'
      ? `no change beyond ${tolerance}: ${described}` +
        (opts.expectImprovement ? '; a latency incident needs a significant improvement' : '')
      : `${verdict}: ${described}, beyond ${tolerance}`;
  return {
    verdict,
    baselineMedian,
    observedMedian,
    change: relative(observedMedian, baselineMedian),
    p,
    effect,
    samples,
    sufficient: true,
    passed,
    reason,
  };
}

export type ErrorRateVerdict = 'lowered' | 'unchanged' | 'raised';

export interface ErrorRateOptions {
  /** An error incident: the patch must lower the error rate significantly to pass. */
  expectReduction: boolean;
  alpha: number;
}

export interface ErrorRateJudgement {
  verdict: ErrorRateVerdict;
  baselineRate: number;
  observedRate: number;
  /** p of Fisher's exact test, one-sided in the direction of the observed difference. */
  p: number;
  passed: boolean;
  reason: string;
}

/** Error rates of the two builds under the same replay, compared with Fisher's exact test. */
export function judgeErrorRate(
  base: ErrorCounts,
  patched: ErrorCounts,
  opts: ErrorRateOptions,
): ErrorRateJudgement {
  const baselineRate = base.requests > 0 ? base.errors / base.requests : Number.NaN;
  const observedRate = patched.requests > 0 ? patched.errors / patched.requests : Number.NaN;
  if (base.requests === 0 || patched.requests === 0) {
    return {
      verdict: 'unchanged',
      baselineRate,
      observedRate,
      p: 1,
      passed: false,
      reason: `no requests on the ${base.requests === 0 ? 'base' : 'patched'} side`,
    };
  }
  const test = fisherExact(base, patched);
  const higher = observedRate > baselineRate;
  const p = higher ? test.pGreater : test.pLess;
  const verdict: ErrorRateVerdict =
    observedRate === baselineRate || p >= opts.alpha ? 'unchanged' : higher ? 'raised' : 'lowered';
  const passed = opts.expectReduction ? verdict === 'lowered' : verdict !== 'raised';
  const described =
    `errors ${base.errors}/${base.requests} -> ${patched.errors}/${patched.requests}, ` +
    `one-sided p ${p.toExponential(2)} (alpha ${opts.alpha})`;
  const reason =
    verdict === 'unchanged'
      ? `no significant change: ${described}` +
        (opts.expectReduction ? '; an error incident needs a significant reduction' : '')
      : `${verdict}: ${described}`;
  return { verdict, baselineRate, observedRate, p, passed, reason };
}

function relative(observed: number, baseline: number): number {
  return baseline > 0 ? (observed - baseline) / baseline : Number.NaN;
}

const fmt = (ms: number) => (Math.abs(ms) >= 100 ? ms.toFixed(0) : ms.toFixed(2));
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
