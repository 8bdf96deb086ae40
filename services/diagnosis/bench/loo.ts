import type { LocalizeWeights } from '../src/locate/localize.js';
import type { Ranks } from './score.js';

export type Config = LocalizeWeights;

/**
 * The configurations leave-one-out chooses among (192). With 24 bugs, every free weight is a chance to fit them:
 * the four kinds of textual evidence (titles vs the innermost definition, vs the outer ones, the failing tests' own
 * code, their error messages) share one weight, and each weight takes two to four values. Offered separately, or
 * with recency, the nearest neighbour, the frame region or the block score as well (1152-2592 configurations),
 * leave-one-out scored 14-17 files first and 11-13 fixed lines in the top 5, against 18 and 14 here.
 */
export function configGrid(): Config[] {
  const grid: Config[] = [];
  for (const formula of ['ochiai', 'dstar'])
    for (const text of [0, 0.1, 0.3, 1])
      for (const frameWeight of [0, 0.2, 0.5])
        for (const methodWeight of [0, 0.1])
          for (const statementPenalty of [0, 0.9])
            for (const predicateBonus of [0, 0.1])
              for (const fileBreadth of [0, 0.1])
                grid.push({
                  formula,
                  textWeight: text,
                  outerTextWeight: text,
                  testCodeWeight: text,
                  errorTextWeight: text,
                  frameWeight,
                  methodWeight,
                  statementPenalty,
                  predicateBonus,
                  fileBreadth,
                });
  return grid;
}

/** What a configuration is chosen for: the targets (file top-1, line top-5), mean reciprocal rank breaks ties. */
export function objective(ranks: readonly Ranks[]): number {
  let hits = 0;
  let mrr = 0;
  for (const r of ranks) {
    if (r.file <= 1) hits++;
    if (r.line <= 5) hits++;
    mrr += (1 / r.line + 1 / r.file) / 2;
  }
  return hits + mrr / Math.max(1, ranks.length);
}

/**
 * Leave-one-out: each bug is scored with the configuration that does best on the other bugs, so no bug's own
 * ground truth picks the weights it is scored with. `matrix[c][b]` = ranks of bug b under configuration c.
 */
export function leaveOneOut(matrix: readonly (readonly Ranks[])[]): { ranks: Ranks[]; chosen: number[] } {
  const bugs = matrix[0]?.length ?? 0;
  const ranks: Ranks[] = [];
  const chosen: number[] = [];
  for (let held = 0; held < bugs; held++) {
    let best = 0;
    let bestScore = -Infinity;
    matrix.forEach((row, c) => {
      const score = objective(row.filter((_, b) => b !== held));
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    });
    chosen.push(best);
    ranks.push(matrix[best]![held]!);
  }
  return { ranks, chosen };
}
