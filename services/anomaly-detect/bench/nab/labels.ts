/** Parsing of NAB's text formats (timestamps, `combined_windows.json`, data CSVs, result CSVs). Pure. */
import type { WindowLimits } from './sweeper.js';

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (NAB's naive timestamps, read as UTC) to epoch ms. */
export function parseNabTimestamp(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s.trim());
  if (!m) throw new Error(`not a NAB timestamp: ${s}`);
  const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return (
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + frac
  );
}

/** Back to NAB's data-file format `YYYY-MM-DD HH:MM:SS`. */
export function formatNabTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export type WindowsByFile = Record<string, WindowLimits[]>;

export function parseCombinedWindows(json: string): WindowsByFile {
  const raw = JSON.parse(json) as Record<string, [string, string][]>;
  const out: WindowsByFile = {};
  for (const [path, windows] of Object.entries(raw)) {
    out[path] = windows.map(([a, b]) => [parseNabTimestamp(a), parseNabTimestamp(b)] as const);
  }
  return out;
}

export interface NabSeries {
  timestamps: number[];
  values: number[];
}

/** A NAB data file: header `timestamp,value`, one record per line. */
export function parseNabDataCsv(text: string): NabSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    timestamps.push(parseNabTimestamp(line.slice(0, comma)));
    values.push(Number(line.slice(comma + 1)));
  }
  return { timestamps, values };
}

/** NAB results file rows: `timestamp,value,anomaly_score,label`. */
export function formatNabResultsCsv(
  series: NabSeries,
  scores: readonly number[],
  labels: readonly number[],
): string {
  const rows = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < series.timestamps.length; i++) {
    rows.push(`${formatNabTimestamp(series.timestamps[i]!)},${series.values[i]},${scores[i]},${labels[i]}`);
  }
  return rows.join('\n') + '\n';
}

/** 1 for records inside any window (inclusive), as NAB's CorpusLabel builds the label column. */
export function windowLabels(timestamps: readonly number[], windows: readonly WindowLimits[]): number[] {
  return timestamps.map((t) => (windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0));
}

export interface PublishedScoreRow {
  detector: string;
  profile: string;
  file: string;
  threshold: number;
  score: number;
}

/** `Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count`, skipping a `Totals` row if present. */
export function parsePublishedScoresCsv(text: string): PublishedScoreRow[] {
  const rows: PublishedScoreRow[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const [detector, profile, file, threshold, score] = line.split(',');
    if (detector === 'Totals' || detector === undefined || file === undefined) continue;
    rows.push({ detector, profile: profile ?? '', file, threshold: Number(threshold), score: Number(score) });
  }
  return rows;
}

/**
 * The series at a coarser cadence: the mean of each `bucketMs` bucket (aligned to the epoch), timestamped at the
 * bucket's start, and each window widened to the buckets holding its limits. A labelled series at another sampling
 * interval, to check that the detector adapts to the interval rather than to the corpus' 5 minutes.
 */
export function resampleSeries(
  series: NabSeries,
  windows: readonly WindowLimits[],
  bucketMs: number,
): { series: NabSeries; windows: WindowLimits[] } {
  if (!(bucketMs > 0)) throw new Error('bucketMs must be positive');
  const bucketOf = (t: number) => Math.floor(t / bucketMs) * bucketMs;
  const timestamps: number[] = [];
  const values: number[] = [];
  let sum = 0;
  let n = 0;
  for (let i = 0; i < series.timestamps.length; i++) {
    const b = bucketOf(series.timestamps[i]!);
    if (timestamps.length > 0 && timestamps[timestamps.length - 1] !== b) {
      values.push(sum / n);
      sum = 0;
      n = 0;
    }
    if (timestamps.length === 0 || timestamps[timestamps.length - 1] !== b) timestamps.push(b);
    sum += series.values[i]!;
    n++;
  }
  if (n > 0) values.push(sum / n);
  return {
    series: { timestamps, values },
    windows: windows.map(([a, b]) => [bucketOf(a), bucketOf(b)] as const),
  };
}
