/**
 * NAB benchmark: runs the performance detector over every labelled NAB series under `<data>/data` (every category),
 * scores it with the NAB port (one threshold per profile for all files, optimised on their labels as NAB does, or
 * fixed with --thresholds), normalised between null and perfect detector, overall and per category; writes
 * NAB-format results files and prints JSON.
 *
 *   npm run bench:nab -- --data ../shared/datasets/nab --json [--results ./results/nab] [--detector robustSeasonal]
 *                        [--thresholds '{"standard":0.7,"reward_low_FP_rate":0.8,"reward_low_FN_rate":0.6}']
 *                        [--categories realAWSCloudwatch,realTweets] [--labels <windows.json>|none]
 *                        [--check-published]
 *
 * --thresholds scores with thresholds fixed beforehand (chosen on the development data) instead of choosing them on
 * the scored data's own labels: the honest way to score data not seen before. A profile left out is optimised.
 * --categories scores only those categories (folders of `<data>/data`), as a corpus of their own.
 * --labels adds windows for files that `<data>/labels/combined_windows.json` lacks (that file wins where both
 * have a file). The default is `bench/nab/dev-windows.json`: the windows of NAB's realTweets and
 * artificialNoAnomaly files, copied from numenta/NAB's `labels/combined_windows.json` (MIT), because the shared copy
 * carries windows for realAWSCloudwatch only. Files with no windows anywhere are listed as `unlabelled` and not
 * scored (a missing label is not "no anomaly").
 * --resample <minutes> scores every series at that coarser cadence (bucket means, windows widened to whole buckets):
 * labelled data at another sampling interval.
 * --options '<json>' overrides detector options (ablations; the reported scores are of the defaults without it).
 * --detector picks the product (`robustSeasonal`, the default) or one of the ablations and baselines it was
 * compared with (see DETECTORS). --no-write skips the results files.
 * --check-published recomputes the normalised AWS-subset scores of NAB's 16 published detectors from their per-file
 * raw scores (`<data>/results/*_scores_realAWSCloudwatch.csv`) with this port's normalisation.
 *
 * Held-out evaluation, so that detector changes are judged on files they were not designed on:
 *   --split odd|even   the development half is the files at odd (1st, 3rd, ...) or even positions of the sorted list
 *                      (all categories together); the report's top-level scores and per-file details are those of
 *                      the development half (its own thresholds, as NAB would optimise them on that half), and
 *                      `split` adds the held-out half scored at the development half's thresholds (`heldout`), at
 *                      its own (`heldoutOwnThresholds`, optimistic), and all files.
 *   --seal <file>      keeps the held-out and all-files results out of stdout and appends them (one JSON line per run)
 *                      to <file>, to be read only after the changes are decided.
 */
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ProfileName, ProfileResult, ScoredFile, WindowsByFile } from './nab/index.js';
import { isSplitHalf, splitByPosition } from './nab/split.js';
import {
  NAB_PROFILES,
  PROFILE_NAMES,
  categoryOf,
  categoryScores,
  evaluateAllProfiles,
  formatNabResultsCsv,
  normalizePublished,
  parseCombinedWindows,
  parseNabDataCsv,
  parsePublishedScoresCsv,
  probationaryLength,
  resampleSeries,
  windowLabels,
} from './nab/index.js';
import type { SeriesDetectorOptions } from '../src/performance/index.js';
import { scoreSeries, RollingSortedWindow } from '../src/performance/index.js';

type Scorer = (timestamps: number[], values: number[], options: Partial<SeriesDetectorOptions>) => number[];

/** The detectors compared here. `robustSeasonal` is the product; the others are the baselines it was measured against. */
const DETECTORS: Record<string, Scorer> = {
  robustSeasonal: (t, v, o) => scoreSeries(t, v, o).map((r) => r.score),
  // Without the daily/weekly profiles.
  noSeasonal: (t, v, o) => scoreSeries(t, v, { ...o, seasonal: false }).map((r) => r.score),
  // Single points only.
  pointOnly: (t, v, o) =>
    scoreSeries(t, v, { ...o, levelScale: false, volatilityScale: false, activityScale: false }).map(
      (r) => r.score,
    ),
  // Point and half-hour median only (the previous version).
  pointLevel: (t, v, o) =>
    scoreSeries(t, v, { ...o, volatilityScale: false, activityScale: false }).map((r) => r.score),
  noEscalation: (t, v, o) => scoreSeries(t, v, { ...o, escalationMs: 0 }).map((r) => r.score),
  noVolatility: (t, v, o) => scoreSeries(t, v, { ...o, volatilityScale: false }).map((r) => r.score),
  noActivity: (t, v, o) => scoreSeries(t, v, { ...o, activityScale: false }).map((r) => r.score),
  // Without the anomaly likelihood of the channels' score (the detector before it).
  noLikelihood: (t, v, o) => scoreSeries(t, v, { ...o, likelihood: false }).map((r) => r.score),
  // Non-robust windowed Gaussian over the last day (mean/std), as NAB's windowedGaussian but online per point.
  windowedGaussian: windowedGaussian,
  rangeNovelty: rangeNovelty,
};

/** Novelty against the range of the last week: 0 inside [min, max], else the excess relative to the range. */
function rangeNovelty(_t: number[], v: number[]): number[] {
  const w = new RollingSortedWindow(2016);
  return v.map((x) => {
    let score = 0;
    if (w.size >= 36) {
      const lo = w.quantile(0);
      const hi = w.quantile(1);
      const range = Math.max(hi - lo, Math.abs(hi) * 1e-3, 1e-9);
      const excess = x > hi ? (x - hi) / range : x < lo ? (lo - x) / range : 0;
      score = excess / (excess + 0.1);
    }
    w.push(x);
    return score;
  });
}

function windowedGaussian(t: number[], v: number[]): number[] {
  const w = 288;
  const out: number[] = [];
  let sum = 0;
  let sum2 = 0;
  const buf: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    let score = 0;
    if (buf.length >= 36) {
      const mean = sum / buf.length;
      const sd = Math.sqrt(Math.max(0, sum2 / buf.length - mean * mean));
      const z = sd > 0 ? Math.abs(x - mean) / sd : 0;
      score = z / (z + 5);
    }
    out.push(score);
    buf.push(x);
    sum += x;
    sum2 += x * x;
    if (buf.length > w) {
      const old = buf.shift()!;
      sum -= old;
      sum2 -= old * old;
    }
  }
  void t;
  return out;
}

function listCsv(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listCsv(p));
    else if (name.endsWith('.csv')) out.push(p);
  }
  return out.sort();
}

function checkPublished(dataDir: string, windowCount: number): Record<string, Record<ProfileName, number>> {
  const resultsDir = join(dataDir, 'results');
  const out: Record<string, Record<ProfileName, number>> = {};
  const nullRows: Partial<Record<ProfileName, number[]>> = {};
  for (const p of PROFILE_NAMES) {
    const f = join(resultsDir, `null_${p}_scores_realAWSCloudwatch.csv`);
    nullRows[p] = parsePublishedScoresCsv(readFileSync(f, 'utf8')).map((r) => r.score);
  }
  for (const name of readdirSync(resultsDir)) {
    const m = /^(.+?)_(standard|reward_low_FP_rate|reward_low_FN_rate)_scores_realAWSCloudwatch\.csv$/.exec(
      name,
    );
    if (!m) continue;
    const detector = m[1]!;
    const profile = m[2] as ProfileName;
    const rows = parsePublishedScoresCsv(readFileSync(join(resultsDir, name), 'utf8'));
    out[detector] ??= {} as Record<ProfileName, number>;
    out[detector][profile] = round(
      normalizePublished(
        rows.map((r) => r.score),
        nullRows[profile]!,
        windowCount,
        NAB_PROFILES[profile].tpWeight,
      ),
      2,
    );
  }
  return out;
}

/**
 * The port's own end points: a detector that never fires must score 0, and one that fires exactly on the first
 * scorable record of every window (and nowhere else) must score 100 (less where a window starts in probation).
 */
function checkBaselines(files: readonly ScoredFile[]): Record<string, Record<ProfileName, number>> {
  const nullFiles = files.map((f) => ({ ...f, anomalyScores: f.anomalyScores.map(() => 0.5) }));
  const perfectFiles = files.map((f) => {
    const probation = probationaryLength(f.timestamps.length);
    const scores = f.timestamps.map(() => 0);
    for (const [start, end] of f.windows) {
      const i = f.timestamps.findIndex((t, k) => t >= start && t <= end && k >= probation);
      if (i >= 0) scores[i] = 1;
    }
    return { ...f, anomalyScores: scores };
  });
  const pick = (r: ReturnType<typeof evaluateAllProfiles>) =>
    Object.fromEntries(PROFILE_NAMES.map((p) => [p, round(r[p].normalizedScore, 4)])) as Record<
      ProfileName,
      number
    >;
  return { null: pick(evaluateAllProfiles(nullFiles)), perfect: pick(evaluateAllProfiles(perfectFiles)) };
}

/** Largest difference between the recomputed published scores and the DERIVED table (| detector | std | FP | FN |). */
function compareWithDerived(
  published: Record<string, Record<ProfileName, number>>,
  markdown: string,
): { compared: number; maxAbsDiff: number } {
  let compared = 0;
  let maxAbsDiff = 0;
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const [, detector, std, lowFp, lowFn] = cells;
    if (
      !detector ||
      !(detector in published) ||
      std === undefined ||
      lowFp === undefined ||
      lowFn === undefined
    )
      continue;
    const mine = published[detector]!;
    for (const [p, v] of [
      ['standard', std],
      ['reward_low_FP_rate', lowFp],
      ['reward_low_FN_rate', lowFn],
    ] as const) {
      compared++;
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(mine[p] - Number(v)));
    }
  }
  return { compared, maxAbsDiff: round(maxAbsDiff, 4) };
}

function summary(
  files: readonly ScoredFile[],
  thresholds?: Partial<Record<ProfileName, number>>,
): Record<string, unknown> {
  const r = evaluateAllProfiles(files, undefined, thresholds);
  return {
    files: files.length,
    ...Object.fromEntries(PROFILE_NAMES.map((p) => [p, round(r[p].normalizedScore, 2)])),
    categories: categoriesOf(files, r),
  };
}

/** Per category and profile: the normalised score at the corpus threshold (raw score where there is no window). */
function categoriesOf(
  files: readonly ScoredFile[],
  results: Record<ProfileName, ProfileResult>,
): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const p of PROFILE_NAMES) {
    for (const [c, score] of Object.entries(categoryScores(files, results[p]))) {
      out[c] ??= { files: score.files, windows: score.windows };
      out[c][p] = score.normalizedScore === null ? null : round(score.normalizedScore, 2);
      if (score.windows === 0) out[c][`${p}Raw`] = round(score.rawScore, 4);
    }
  }
  return out;
}

/** `--thresholds` JSON: profile names to numbers; unknown names are an error, not silently ignored. */
function parseThresholds(json: string): Partial<Record<ProfileName, number>> {
  const raw = JSON.parse(json) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('--thresholds must be a JSON object of profile names to numbers');
  const out: Partial<Record<ProfileName, number>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(PROFILE_NAMES as readonly string[]).includes(k))
      throw new Error(`--thresholds: unknown profile ${k}; one of ${PROFILE_NAMES.join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`--thresholds: ${k} must be a number`);
    out[k as ProfileName] = v;
  }
  return out;
}

const DEFAULT_EXTRA_LABELS = join(dirname(fileURLToPath(import.meta.url)), 'nab', 'dev-windows.json');

/** The data's own windows, completed by `extra` for files it lacks. */
function loadWindows(dataDir: string, extra: string): WindowsByFile {
  const own = parseCombinedWindows(readFileSync(join(dataDir, 'labels', 'combined_windows.json'), 'utf8'));
  if (extra === 'none') return own;
  const more = parseCombinedWindows(readFileSync(resolve(extra), 'utf8'));
  return { ...more, ...own };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function main(): void {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string' },
      results: { type: 'string', default: './results/nab' },
      detector: { type: 'string', default: 'robustSeasonal' },
      json: { type: 'boolean', default: false },
      'check-published': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      thresholds: { type: 'string' },
      options: { type: 'string' },
      resample: { type: 'string' },
      categories: { type: 'string' },
      labels: { type: 'string', default: DEFAULT_EXTRA_LABELS },
      split: { type: 'string' },
      seal: { type: 'string' },
      label: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (!args.data) throw new Error('--data <dir> is required (a NAB checkout or copy with data/ and labels/)');
  const dataDir = resolve(args.data);
  const detectorName = args.detector!;
  const scorer = DETECTORS[detectorName];
  if (!scorer)
    throw new Error(`unknown --detector ${detectorName}; one of ${Object.keys(DETECTORS).join(', ')}`);
  const detectorOptions = (
    args.options === undefined ? {} : JSON.parse(args.options)
  ) as Partial<SeriesDetectorOptions>;
  const resampleMs = args.resample === undefined ? undefined : Number(args.resample) * 60_000;
  if (resampleMs !== undefined && !(resampleMs > 0)) throw new Error('--resample takes minutes > 0');
  const fixed = args.thresholds === undefined ? undefined : parseThresholds(args.thresholds);
  const onlyCategories = args.categories?.split(',').map((c) => c.trim());
  if (args.split !== undefined && !isSplitHalf(args.split))
    throw new Error(`--split must be odd or even, not ${args.split}`);
  const windowsByFile = loadWindows(dataDir, args.labels!);
  const started = performance.now();
  let points = 0;
  const files: ScoredFile[] = [];
  const unlabelled: string[] = [];
  for (const path of listCsv(join(dataDir, 'data'))) {
    const relativePath = relative(join(dataDir, 'data'), path).split('\\').join('/');
    if (onlyCategories && !onlyCategories.includes(categoryOf(relativePath))) continue;
    const labelled = windowsByFile[relativePath];
    if (labelled === undefined) {
      unlabelled.push(relativePath);
      continue;
    }
    const original = parseNabDataCsv(readFileSync(path, 'utf8'));
    const { series, windows } =
      resampleMs === undefined
        ? { series: original, windows: labelled }
        : resampleSeries(original, labelled, resampleMs);
    const scores = scorer(series.timestamps, series.values, detectorOptions);
    points += scores.length;
    files.push({ relativePath, timestamps: series.timestamps, anomalyScores: scores, windows });
    if (!args['no-write']) {
      const out = join(
        resolve(args.results!),
        detectorName,
        dirname(relativePath),
        `${detectorName}_${basename(relativePath)}`,
      );
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, formatNabResultsCsv(series, scores, windowLabels(series.timestamps, windows)));
    }
  }
  if (files.length === 0) throw new Error(`no labelled NAB files under ${join(dataDir, 'data')}`);
  const detectMs = performance.now() - started;
  const split = args.split === undefined ? null : splitByPosition(files, args.split);
  const evaluated = split?.dev ?? files;
  const results = evaluateAllProfiles(evaluated, undefined, fixed);
  const windowCount = evaluated.reduce((n, f) => n + f.windows.length, 0);
  const thresholds = Object.fromEntries(PROFILE_NAMES.map((p) => [p, results[p].threshold])) as Record<
    ProfileName,
    number
  >;
  const report: Record<string, unknown> = {
    standard: round(results.standard.normalizedScore, 2),
    reward_low_FP_rate: round(results.reward_low_FP_rate.normalizedScore, 2),
    reward_low_FN_rate: round(results.reward_low_FN_rate.normalizedScore, 2),
    files: evaluated.length,
    windows: windowCount,
    detector: detectorName,
    points,
    detectMs: Math.round(detectMs),
    thresholds,
    thresholdsFrom:
      fixed === undefined ? 'optimised on these files' : '--thresholds (unset profiles optimised)',
    categories: categoriesOf(evaluated, results),
    unlabelled,
    raw: Object.fromEntries(
      PROFILE_NAMES.map((p) => [
        p,
        {
          score: round(results[p].rawScore, 4),
          null: results[p].nullScore,
          perfect: results[p].perfectScore,
        },
      ]),
    ),
    perFileStandard: Object.fromEntries(
      results.standard.files.map((f) => [f.relativePath, { score: round(f.score, 3), tp: f.tp, fp: f.fp }]),
    ),
  };
  report.baselines = checkBaselines(evaluated);
  if (split !== null) {
    const others = {
      heldout: { thresholdsFrom: 'development half', ...summary(split.heldout, thresholds) },
      heldoutOwnThresholds: summary(split.heldout),
      all: summary(files),
    };
    if (args.seal) {
      const line = {
        at: new Date().toISOString(),
        label: args.label ?? null,
        split: args.split,
        dev: summary(split.dev, fixed),
        ...others,
      };
      appendFileSync(resolve(args.seal), JSON.stringify(line) + '\n');
      report.split = { dev: args.split, sealed: resolve(args.seal) };
    } else report.split = { dev: args.split, ...others };
  }
  if (args['check-published'] && existsSync(join(dataDir, 'results'))) {
    const aws = evaluated.filter((f) => categoryOf(f.relativePath) === 'realAWSCloudwatch');
    const published = checkPublished(
      dataDir,
      aws.reduce((n, f) => n + f.windows.length, 0),
    );
    report.published = published;
    const derivedPath = join(dataDir, 'DERIVED_category_scores_realAWSCloudwatch.md');
    if (existsSync(derivedPath))
      report.publishedVsDerived = compareWithDerived(published, readFileSync(derivedPath, 'utf8'));
  }
  if (args.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main();
