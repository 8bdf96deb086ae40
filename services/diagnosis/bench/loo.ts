import type { LocalizeWeights } from '../src/locate/localize.js';
import type { Ranks } from './score.js';

export type Config = LocalizeWeights;

/**
 * The configurations leave-one-out chooses among: every weight of the evidence the engine combines, two or three
 * values each (1152 configurations; a bug's evidence is computed once, so each costs a weighted sum and a sort).
 * More values per weight fit the bugs better and generalize worse: with three to four values for the main weights
 * (2160 configurations) leave-one-out fell from 17 to 16 files ranked first on the Express bugs.
 */
export function configGrid(): Config[] {
  const axes: { [K in keyof Config]-?: readonly NonNullable<Config[K]>[] } = {
    formula: ['ochiai', 'dstar'],
    textWeight: [0, 1],
    errorTextWeight: [0, 0.3],
    frameWeight: [0, 0.2],
    frameRegionShare: [0, 0.3],
    methodWeight: [0, 0.1],
    blockWeight: [0],
    recencyWeight: [0, 0.1],
    nearestWeight: [0, 0.3],
    statementPenalty: [0, 0.9],
    predicateBonus: [0, 0.1, 0.3],
  };
  let grid: Config[] = [{}];
  for (const [name, values] of Object.entries(axes) as [keyof Config, readonly unknown[]][]) {
    grid = grid.flatMap((config) =>
      values
        // a region share without frames is the configuration without it
        .filter((v) => !(name === 'frameRegionShare' && v !== 0 && !config.frameWeight))
        .map((v) => ({ ...config, [name]: v })),
    );
  }
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
