import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BugData } from './collect.js';
import { confinePath } from '../src/locate/paths.js';
import { localize, type LocalizeOptions } from '../src/locate/localize.js';
import { bestRank } from '../src/locate/rank.js';
import type { TestRun } from '../src/locate/evidence.js';

export interface Ranks {
  file: number;
  line: number;
}

/**
 * The incident a CI gives: the suite's run with the fault-revealing tests failing. Tests that also fail on the fixed
 * version fail for reasons unrelated to this bug (the environment); they are left out, as a CI that knows the
 * previous run's failures would.
 */
export function incidentTests(data: BugData): TestRun[] {
  const revealing = new Set(data.faultRevealing);
  return data.tests
    .filter((t) => !t.failed || revealing.has(t.id))
    .map((t) => ({ ...t, failed: revealing.has(t.id) }));
}

/** Reads the program's files from the bug's checkout (at its test ref: the buggy code), confined to it. */
export function checkoutSource(checkout: string): (path: string) => string | undefined {
  return (path) => {
    const rel = confinePath(path, checkout);
    if (rel === null) return undefined;
    try {
      return readFileSync(join(checkout, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
}

export function rankBug(data: BugData, options: Omit<LocalizeOptions, 'repoRoot' | 'source'>): Ranks {
  const result = localize(incidentTests(data), {
    ...options,
    repoRoot: data.checkout,
    source: checkoutSource(data.checkout),
  });
  const lineScore = new Map(result.lines.map((l) => [`${l.path}:${l.line}`, l.score]));
  const fileScore = new Map(result.files.map((f) => [f.path, f.score]));
  const allLines = result.lines.map((l) => l.score);
  const allFiles = result.files.map((f) => f.score);
  const truthFiles = [...new Set(data.truth.map((t) => t.path))];
  return {
    file: bestRank(truthFiles, (p) => fileScore.get(p), allFiles),
    line: bestRank(data.truth, (t) => lineScore.get(`${t.path}:${t.line}`), allLines),
  };
}

export function totals(ranks: readonly Ranks[]) {
  const count = (pred: (r: Ranks) => boolean) => ranks.filter(pred).length;
  return {
    bugs: ranks.length,
    fileTop1: count((r) => r.file <= 1),
    lineTop1: count((r) => r.line <= 1),
    lineTop5: count((r) => r.line <= 5),
    lineTop10: count((r) => r.line <= 10),
  };
}
