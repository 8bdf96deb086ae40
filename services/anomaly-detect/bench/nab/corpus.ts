/**
 * Corpus-level NAB: threshold optimisation over all files (numenta/NAB `nab/optimizer.py`), scoring each file at
 * the chosen threshold (`nab/scorer.py`), and normalisation between the null and the perfect detector
 * (`nab/runner.py` `normalize`). Pure: callers load files and windows.
 */
import type { CostMatrix, ProfileName } from './profiles.js';
import { DEFAULT_PROBATION_PERCENT, NAB_PROFILES, PROFILE_NAMES } from './profiles.js';
import type { ThresholdScore, WindowLimits } from './sweeper.js';
import { Sweeper } from './sweeper.js';

export interface ScoredFile {
  /** NAB relative path, e.g. `realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv`; names the windows. */
  relativePath: string;
  timestamps: readonly number[];
  anomalyScores: readonly number[];
  windows: readonly WindowLimits[];
}

export interface FileScore extends ThresholdScore {
  relativePath: string;
}

export interface ProfileResult {
  profile: ProfileName;
  threshold: number;
  /** Sum of the raw per-file scores at `threshold` (NAB's "Totals" row). */
  rawScore: number;
  nullScore: number;
  perfectScore: number;
  /** 100 * (raw - null) / (perfect - null). */
  normalizedScore: number;
  files: FileScore[];
}

/** The threshold maximising the summed raw score over all files; ties go to the higher threshold, as in NAB. */
export function optimizeThreshold(
  files: readonly ScoredFile[],
  costMatrix: CostMatrix,
  probationPercent = DEFAULT_PROBATION_PERCENT,
): { threshold: number; score: number } {
  const sweeper = new Sweeper(costMatrix, probationPercent);
  const all = files.flatMap((f) =>
    sweeper.calcSweepScore(f.timestamps, f.anomalyScores, f.windows, f.relativePath),
  );
  const byThreshold = sweeper.calcScoreByThreshold(all);
  let best = byThreshold[0]!;
  for (const row of byThreshold) if (row.score > best.score) best = row;
  return { threshold: best.threshold, score: best.score };
}

export function scoreCorpus(
  files: readonly ScoredFile[],
  costMatrix: CostMatrix,
  threshold: number,
  probationPercent = DEFAULT_PROBATION_PERCENT,
): FileScore[] {
  const sweeper = new Sweeper(costMatrix, probationPercent);
  return files.map((f) => {
    const { row } = sweeper.scoreDataSet(f.timestamps, f.anomalyScores, f.windows, f.relativePath, threshold);
    if (row === null) throw new Error(`no threshold row for ${f.relativePath}`);
    return { relativePath: f.relativePath, ...row };
  });
}

/** NAB's normalisation: the null detector maps to 0 and a detector catching every window at its start to 100. */
export function normalizeScore(
  rawScore: number,
  nullScore: number,
  windowCount: number,
  tpWeight: number,
): number {
  const perfect = windowCount * tpWeight;
  return (100 * (rawScore - nullScore)) / (perfect - nullScore);
}

/**
 * The null detector's raw score: nothing is ever detected, so each window with at least one scorable record costs
 * fnWeight. This is what NAB's published `null_<profile>_scores.csv` files contain (NAB runs a constant-output
 * detector whose optimised threshold lies above its constant; on a tiny corpus "detect everything" could win the
 * sweep, which is not what the baseline means, so the baseline is computed directly).
 */
export function nullDetectorScore(
  files: readonly ScoredFile[],
  costMatrix: CostMatrix,
  probationPercent = DEFAULT_PROBATION_PERCENT,
): number {
  const sweeper = new Sweeper(costMatrix, probationPercent);
  let total = 0;
  for (const f of files) {
    const list = sweeper.calcSweepScore(
      f.timestamps,
      f.anomalyScores.map(() => 0),
      f.windows,
      f.relativePath,
    );
    total += sweeper.calcScoreByThreshold(list)[0]!.score;
  }
  return total;
}

/**
 * Optimise, score and normalise one detector's scores for one profile. With `fixedThreshold` the threshold is not
 * chosen on these files' labels but applied as given (thresholds chosen on other data: the honest way to score
 * data not seen before).
 */
export function evaluateProfile(
  files: readonly ScoredFile[],
  profile: ProfileName,
  probationPercent = DEFAULT_PROBATION_PERCENT,
  fixedThreshold?: number,
): ProfileResult {
  const cost = NAB_PROFILES[profile];
  const threshold = fixedThreshold ?? optimizeThreshold(files, cost, probationPercent).threshold;
  const fileScores = scoreCorpus(files, cost, threshold, probationPercent);
  const rawScore = sum(fileScores.map((r) => r.score));
  const nullScore = nullDetectorScore(files, cost, probationPercent);
  const windowCount = sum(files.map((f) => f.windows.length));
  return {
    profile,
    threshold,
    rawScore,
    nullScore,
    perfectScore: windowCount * cost.tpWeight,
    normalizedScore: normalizeScore(rawScore, nullScore, windowCount, cost.tpWeight),
    files: fileScores,
  };
}

export function evaluateAllProfiles(
  files: readonly ScoredFile[],
  probationPercent = DEFAULT_PROBATION_PERCENT,
  fixedThresholds?: Partial<Record<ProfileName, number>>,
): Record<ProfileName, ProfileResult> {
  const out = {} as Record<ProfileName, ProfileResult>;
  for (const p of PROFILE_NAMES) out[p] = evaluateProfile(files, p, probationPercent, fixedThresholds?.[p]);
  return out;
}

/** A file's NAB category: the folder of its relative path (`realTweets/Twitter_volume_AAPL.csv` -> `realTweets`). */
export function categoryOf(relativePath: string): string {
  const slash = relativePath.indexOf('/');
  return slash < 0 ? '' : relativePath.slice(0, slash);
}

export interface CategoryScore {
  files: number;
  windows: number;
  /**
   * Normalised score of the category's files at the corpus threshold (NAB's per-file rows, summed per category);
   * null for a category without windows (artificialNoAnomaly), where only false positives count (see rawScore).
   */
  normalizedScore: number | null;
  rawScore: number;
  nullScore: number;
}

/**
 * Per-category scores at the corpus-wide threshold of `result` (one threshold for every category, as NAB scores
 * its corpus), each normalised between its own null and perfect detector.
 */
export function categoryScores(
  files: readonly ScoredFile[],
  result: ProfileResult,
  probationPercent = DEFAULT_PROBATION_PERCENT,
): Record<string, CategoryScore> {
  const cost = NAB_PROFILES[result.profile];
  const rawByPath = new Map(result.files.map((f) => [f.relativePath, f.score]));
  const groups = new Map<string, ScoredFile[]>();
  for (const f of files) {
    const c = categoryOf(f.relativePath);
    groups.set(c, [...(groups.get(c) ?? []), f]);
  }
  const out: Record<string, CategoryScore> = {};
  for (const [c, group] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rawScore = sum(group.map((f) => rawByPath.get(f.relativePath) ?? 0));
    const nullScore = nullDetectorScore(group, cost, probationPercent);
    const windows = sum(group.map((f) => f.windows.length));
    out[c] = {
      files: group.length,
      windows,
      rawScore,
      nullScore,
      normalizedScore: windows > 0 ? normalizeScore(rawScore, nullScore, windows, cost.tpWeight) : null,
    };
  }
  return out;
}

/** Normalised score from NAB's published per-file raw scores (`<detector>_<profile>_scores.csv` rows). */
export function normalizePublished(
  detectorRawScores: readonly number[],
  nullRawScores: readonly number[],
  windowCount: number,
  tpWeight: number,
): number {
  return normalizeScore(sum(detectorRawScores), sum(nullRawScores), windowCount, tpWeight);
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
