import { DDSketch } from '@datadog/sketches-js';

/**
 * A DDSketch (via @datadog/sketches-js) held in canonical form: bucket key -> count. The library's dense
 * store lays bins out depending on insertion history, so two sketches with equal contents can serialize to
 * different bytes; keeping the buckets in a map and rebuilding the library sketch in key order makes merge
 * order, replay and serialization deterministic. Bucket keys and quantiles are the library's.
 */
export interface LatencySketchState {
  relativeAccuracy: number;
  zeroCount: number;
  /** [bucket key, count], ascending by key. */
  bins: [number, number][];
  min: number;
  max: number;
}

const mappings = new Map<number, DDSketch['mapping']>();

function mappingFor(relativeAccuracy: number): DDSketch['mapping'] {
  let mapping = mappings.get(relativeAccuracy);
  if (!mapping) {
    mapping = new DDSketch({ relativeAccuracy }).mapping;
    mappings.set(relativeAccuracy, mapping);
  }
  return mapping;
}

export class LatencySketch {
  private readonly bins = new Map<number, number>();
  private zeroCount = 0;
  private total = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;
  private built: DDSketch | null = null;

  constructor(readonly relativeAccuracy = 0.01) {}

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxValue;
  }

  /** Adds one duration (ms). Negative durations are clock artefacts and count as zero. */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const v = Math.max(0, value);
    const mapping = mappingFor(this.relativeAccuracy);
    if (v > mapping.minPossible) {
      const key = mapping.key(v);
      this.bins.set(key, (this.bins.get(key) ?? 0) + 1);
    } else {
      this.zeroCount++;
    }
    this.total++;
    this.minValue = Math.min(this.minValue, v);
    this.maxValue = Math.max(this.maxValue, v);
    this.built = null;
  }

  merge(other: LatencySketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new Error(
        `cannot merge sketches of relative accuracy ${other.relativeAccuracy} and ${this.relativeAccuracy}`,
      );
    }
    for (const [key, n] of other.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + n);
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
    this.built = null;
  }

  private sketch(): DDSketch {
    if (this.built) return this.built;
    const sketch = new DDSketch({ relativeAccuracy: this.relativeAccuracy });
    for (const [key, n] of [...this.bins].sort((a, b) => a[0] - b[0])) sketch.store.add(key, n);
    sketch.zeroCount = this.zeroCount;
    sketch.count = this.total;
    sketch.min = this.minValue;
    sketch.max = this.maxValue;
    this.built = sketch;
    return sketch;
  }

  /** Value at quantile q in [0, 1], within the relative accuracy of the true value; NaN when empty. */
  quantile(q: number): number {
    return this.sketch().getValueAtQuantile(q);
  }

  /** DDSketch protobuf bytes (the format other DDSketch implementations read), deterministic for equal contents. */
  toBytes(): Uint8Array {
    return this.sketch().toProto();
  }

  toState(): LatencySketchState {
    return {
      relativeAccuracy: this.relativeAccuracy,
      zeroCount: this.zeroCount,
      bins: [...this.bins].sort((a, b) => a[0] - b[0]),
      min: this.minValue,
      max: this.maxValue,
    };
  }

  static fromState(state: LatencySketchState): LatencySketch {
    const sketch = new LatencySketch(state.relativeAccuracy);
    for (const [key, n] of state.bins) sketch.bins.set(key, n);
    sketch.zeroCount = state.zeroCount;
    sketch.total = state.zeroCount + state.bins.reduce((sum, [, n]) => sum + n, 0);
    sketch.minValue = state.min;
    sketch.maxValue = state.max;
    return sketch;
  }

  /** Reads DDSketch protobuf bytes (e.g. `WindowAggregate.latencySketch`) for quantiles downstream. */
  static quantileFromBytes(bytes: Uint8Array, q: number): number {
    return DDSketch.fromProto(bytes).getValueAtQuantile(q);
  }
}
