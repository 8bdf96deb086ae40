/**
 * Anomaly likelihood (after Numenta's HTM post-processing, Ahmad et al. 2017): turns a raw per-point surprise in
 * [0, 1] into "how unusual is the recent surprise for this series". The short moving average of the raw surprise
 * is compared with the mean and variance of that same average over a long history; the result is the Gaussian
 * tail probability of the current average, so a series that is always a little surprising (noisy) needs more to
 * alarm than a quiet one, and a run of moderately surprising points counts where no single point would.
 *
 * Pure and bounded: the history is a ring of averages. Its mean and variance are summed afresh per point (a few
 * thousand additions), so a restored copy computes bit for bit what the original does and no rounding drifts.
 */

import { normalUpperTail } from '@self-healing/shared';

export interface LikelihoodOptions {
  /** Points in the short moving average of the raw surprise. */
  averagePoints: number;
  /** Points of averaged surprise whose mean and variance define "usual". */
  historyPoints: number;
  /** No likelihood (tail probability 1) before this many averages are in the history. */
  minHistoryPoints: number;
}

export interface LikelihoodState {
  /** The last `averagePoints` raw surprises, oldest first. */
  recent: number[];
  /** The last `historyPoints` moving averages, oldest first. */
  history: number[];
}

/**
 * Lower bounds on the history's mean and variance (Numenta's, in the units of a surprise in [0, 1]): a series
 * that has been perfectly unsurprising must not turn the first small surprise into a near-certain anomaly.
 */
const MIN_MEAN = 0.03;
const MIN_VARIANCE = 0.0003;

export class AnomalyLikelihood {
  private recent: number[];
  private ring: number[];
  private head: number;

  constructor(
    readonly options: LikelihoodOptions,
    state: LikelihoodState = { recent: [], history: [] },
  ) {
    if (options.averagePoints < 1 || options.historyPoints < 2) throw new Error('invalid likelihood windows');
    this.recent = state.recent.slice(-options.averagePoints);
    this.ring = state.history.slice(-options.historyPoints);
    this.head = this.ring.length % options.historyPoints;
  }

  /**
   * Add one raw surprise and return the upper-tail probability of the current moving average under the
   * history's Gaussian (1 while the history is too short). The current average joins the history afterwards.
   */
  update(raw: number): number {
    const o = this.options;
    const x = Math.min(1, Math.max(0, raw));
    this.recent.push(x);
    if (this.recent.length > o.averagePoints) this.recent.shift();
    let sum = 0;
    for (const r of this.recent) sum += r;
    const avg = sum / this.recent.length;
    const p = this.tail(avg);
    this.push(avg);
    return p;
  }

  state(): LikelihoodState {
    const n = this.ring.length;
    const history =
      n < this.options.historyPoints
        ? [...this.ring]
        : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
    return { recent: [...this.recent], history };
  }

  private tail(avg: number): number {
    const n = this.ring.length;
    if (n < Math.max(2, this.options.minHistoryPoints)) return 1;
    // Oldest first, as a restored copy holds them, so that both add in the same order.
    const cap = this.options.historyPoints;
    const start = n < cap ? 0 : this.head;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += this.ring[(start + k) % n]!;
    const m = sum / n;
    let ss = 0;
    for (let k = 0; k < n; k++) ss += (this.ring[(start + k) % n]! - m) ** 2;
    const mean = Math.max(MIN_MEAN, m);
    const variance = Math.max(MIN_VARIANCE, ss / n);
    if (avg <= mean) return 1;
    return gaussianUpperTail((avg - mean) / Math.sqrt(variance));
  }

  private push(avg: number): void {
    const cap = this.options.historyPoints;
    if (this.ring.length < cap) {
      this.ring.push(avg);
      this.head = this.ring.length % cap;
    } else {
      this.ring[this.head] = avg;
      this.head = (this.head + 1) % cap;
    }
  }
}

/** P(Z > z) for a standard normal Z (shared with validation's Mann-Whitney test). */
export const gaussianUpperTail = normalUpperTail;

/** Tail probabilities below this are not told apart (Numenta's saturation of its log scale at 1e-10). */
const MIN_TAIL = 1e-10;

/**
 * How far beyond the range of `n` independent samples a new record must go to be as rare as tail probability p,
 * in units of that range, if the tail is exponential: the range of n samples spans about ln(n) scales, and each
 * further scale divides the probability by e, so p = (1 / (n + 1)) * (n + 1)^-excess. Zero at the chance of a
 * plain record, one at its square; negative for probabilities larger than a record's (down to -1 at p = 1).
 */
export function recordEquivalentExcess(p: number, n: number): number {
  const clamped = Math.min(1, Math.max(MIN_TAIL, p));
  return -Math.log(clamped) / Math.log(n + 1) - 1;
}
