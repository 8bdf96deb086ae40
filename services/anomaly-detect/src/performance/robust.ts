/** Bounded-memory robust statistics for online detectors. */

/**
 * The last `capacity` values, kept both in arrival order (ring) and sorted, so that median and MAD cost
 * O(log n) to find plus O(n) memmove per update, and O(n) for the MAD.
 */
export class RollingSortedWindow {
  private ring: number[];
  private sorted: number[];
  private head = 0;

  constructor(
    readonly capacity: number,
    initial: readonly number[] = [],
  ) {
    if (capacity < 1) throw new Error('capacity must be >= 1');
    this.ring = initial.slice(-capacity);
    this.sorted = [...this.ring].sort((a, b) => a - b);
    this.head = this.ring.length % capacity;
  }

  get size(): number {
    return this.ring.length;
  }

  push(x: number): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(x);
      this.head = this.ring.length % this.capacity;
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = (this.head + 1) % this.capacity;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
    this.sorted.splice(lowerBound(this.sorted, x), 0, x);
  }

  /** Values in arrival order, oldest first. */
  values(): number[] {
    if (this.ring.length < this.capacity) return [...this.ring];
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  /** The most recent `k` values, newest last. */
  last(k: number): number[] {
    return this.values().slice(-k);
  }

  median(): number {
    return medianOfSorted(this.sorted);
  }

  min(): number {
    return this.sorted.length ? this.sorted[0]! : NaN;
  }

  max(): number {
    return this.sorted.length ? this.sorted[this.sorted.length - 1]! : NaN;
  }

  /** Share of values strictly below x, counting ties as half (mid-rank), in [0, 1]. */
  cdf(x: number): number {
    const n = this.sorted.length;
    if (n === 0) return NaN;
    const below = lowerBound(this.sorted, x);
    const notAbove = upperBound(this.sorted, x);
    return (below + (notAbove - below) / 2) / n;
  }

  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return NaN;
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    return this.sorted[lo]! + (pos - lo) * (this.sorted[hi]! - this.sorted[lo]!);
  }

  /** Median absolute deviation from `center` (default the median), by merging outwards from the centre: O(n). */
  mad(center = this.median()): number {
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return NaN;
    let right = lowerBound(s, center);
    let left = right - 1;
    const need = (n >> 1) + 1;
    const d: number[] = [];
    while (d.length < need) {
      const dl = left >= 0 ? center - s[left]! : Infinity;
      const dr = right < n ? s[right]! - center : Infinity;
      if (dl <= dr) {
        d.push(dl);
        left--;
      } else {
        d.push(dr);
        right++;
      }
    }
    return n % 2 === 1 ? d[need - 1]! : (d[need - 2]! + d[need - 1]!) / 2;
  }

  /** Mean absolute deviation from `center`; nonzero whenever the window is not constant. */
  meanAbsDev(center = this.median()): number {
    let s = 0;
    for (const x of this.sorted) s += Math.abs(x - center);
    return this.sorted.length === 0 ? NaN : s / this.sorted.length;
  }
}

export function medianOfSorted(s: readonly number[]): number {
  const n = s.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function median(xs: readonly number[]): number {
  return medianOfSorted([...xs].sort((a, b) => a - b));
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
