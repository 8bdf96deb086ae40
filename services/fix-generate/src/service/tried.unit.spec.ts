import { describe, expect, it } from 'vitest';
import type { StoredCandidate } from './deps.js';
import { dropProposedBefore, sameChange } from './tried.js';

const cand = (strategy: string, files: StoredCandidate['files']): StoredCandidate => ({
  strategy,
  strategyVersion: '1',
  remedyId: `r-${strategy}`,
  remedyKind: 'patch',
  fit: 1,
  score: 0.9,
  rationale: strategy,
  files,
  linesAdded: 1,
  linesRemoved: 1,
  dropped: null,
});

describe('the next round skips what earlier rounds proposed', () => {
  const a = [{ path: 'src/a.ts', text: 'export const a = 1;\n' }];
  const b = [{ path: 'src/a.ts', text: 'export const a = 2;\n' }];

  it('the same change is the same files with the same text, in any order, whatever strategy made it', () => {
    const two = [...a, { path: 'src/b.ts', text: 'x' }];
    expect(sameChange(two, [...two].reverse())).toBe(true);
    expect(sameChange(a, b)).toBe(false);
    expect(sameChange(a, two)).toBe(false);
    expect(sameChange([{ path: 'src/a.ts', text: null }], [{ path: 'src/a.ts', text: null }])).toBe(true);
  });

  it('drops a candidate that repeats an earlier patch, naming it, and leaves the others to be chosen', () => {
    const candidates = [cand('guard', a), cand('template', b)];
    dropProposedBefore(candidates, [{ runId: 'inc-1', patchId: 'p-1', files: a }]);
    expect(candidates[0]!.dropped).toMatch(/proposed before as patch p-1/);
    expect(candidates[0]!.score).toBe(0);
    expect(candidates[1]!.dropped).toBeNull();
  });
});
