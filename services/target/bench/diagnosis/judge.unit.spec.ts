import { describe, expect, it } from 'vitest';
import {
  diagnosisTotals,
  judgeDiagnosis,
  topIssue,
  type DiagnosisTruth,
  type StoredDiagnosis,
  type StoredIssue,
} from './judge.js';

const FAULT = 'f'.repeat(40);
const OTHER = 'a'.repeat(40);
const truth: DiagnosisTruth = {
  fault: 'gb-label-second-line',
  faultSha: FAULT,
  locations: [{ file: 'src/shipping/address.ts', lines: [[55, 57]] }],
};
const issue = (over: Partial<StoredIssue>): StoredIssue => ({
  kind: 'error',
  confidence: 0.8,
  lines: [{ path: 'src/shipping/address.ts', line: 56, score: 1 }],
  suspects: [{ sha: FAULT, score: 3 }],
  sentrySuspect: FAULT,
  ...over,
});
const diagnosis = (incidentId: string, issues: StoredIssue[], version = 1): StoredDiagnosis => ({
  diagnosisId: `dg-${incidentId}-${version}`,
  incidentId,
  incidentVersion: version,
  codebase: { bad: FAULT, good: OTHER },
  issues,
});

describe('judgeDiagnosis', () => {
  it('given the attributed incident names the fault commit, file and line, then every measure hits', () => {
    const v = judgeDiagnosis(truth, true, 'inc-1', ['inc-1'], [diagnosis('inc-1', [issue({})])]);
    expect(v).toMatchObject({
      source: 'attributed',
      suspectTop1: true,
      fileTop1: true,
      lineTop5: true,
      faultCommitRank: 1,
      faultLineRank: 1,
      sentryTop1: true,
    });
  });

  it('given the fault line sixth and the fault commit second, then line top-5 and suspect top-1 miss, ranks said', () => {
    const lines = [10, 20, 30, 40, 50].map((line) => ({ path: 'src/shipping/address.ts', line, score: 1 }));
    const v = judgeDiagnosis(
      truth,
      true,
      'inc-1',
      [],
      [
        diagnosis('inc-1', [
          issue({
            lines: [...lines, { path: 'src/shipping/address.ts', line: 57, score: 0.5 }],
            suspects: [
              { sha: OTHER, score: 3 },
              { sha: FAULT, score: 1 },
            ],
            sentrySuspect: OTHER,
          }),
        ]),
      ],
    );
    expect(v).toMatchObject({
      suspectTop1: false,
      fileTop1: true,
      lineTop5: false,
      faultCommitRank: 2,
      faultLineRank: 6,
      sentryTop1: false,
    });
  });

  it('given a line of the right number in another file, then it is not a fault line', () => {
    const v = judgeDiagnosis(
      truth,
      true,
      'inc-1',
      [],
      [diagnosis('inc-1', [issue({ lines: [{ path: 'src/shipping/labels.ts', line: 56, score: 1 }] })])],
    );
    expect(v).toMatchObject({ fileTop1: false, lineTop5: false, faultLineRank: null });
  });

  it('given several issues, then the most confident one is judged and Sentry reads the best issue with a frame', () => {
    const perf = issue({
      kind: 'performance',
      confidence: 0.9,
      lines: [{ path: 'src/catalog.ts', line: 3, score: 1 }],
      suspects: [{ sha: OTHER, score: 1 }],
      sentrySuspect: null,
    });
    const v = judgeDiagnosis(truth, true, 'inc-1', [], [diagnosis('inc-1', [issue({}), perf])]);
    expect(v.top).toMatchObject({
      kind: 'performance',
      suspects: [OTHER],
      codebase: { bad: FAULT, good: OTHER },
    });
    expect(v).toMatchObject({ suspectTop1: false, fileTop1: false, sentryTop1: true });
  });

  it('given no diagnosis of the attributed incident, then the post-deploy incidents stand in, newest version each', () => {
    const v = judgeDiagnosis(
      truth,
      true,
      'inc-1',
      ['inc-2', 'inc-3'],
      [
        diagnosis('inc-2', [issue({ suspects: [{ sha: OTHER, score: 1 }], confidence: 0.9 })], 1),
        diagnosis('inc-2', [issue({ confidence: 0.5 })], 2),
        diagnosis('inc-3', [issue({ confidence: 0.4, suspects: [{ sha: OTHER, score: 1 }] })]),
        diagnosis('inc-9', [issue({ confidence: 0.99, suspects: [{ sha: OTHER, score: 1 }] })]),
      ],
    );
    expect(v).toMatchObject({ source: 'post-deploy', diagnosed: 2, suspectTop1: true });
    expect(v.top?.incidentId).toBe('inc-2');
  });

  it('given no incident at all, then there is nothing to judge and every measure misses', () => {
    const v = judgeDiagnosis(truth, false, null, [], []);
    expect(v).toMatchObject({
      source: 'none',
      top: null,
      suspectTop1: false,
      fileTop1: false,
      lineTop5: false,
    });
  });
});

describe('topIssue', () => {
  it('given two diagnoses of one incident, then only the newer one counts', () => {
    const best = topIssue([
      diagnosis('inc-1', [issue({ confidence: 0.9, kind: 'old' })], 1),
      diagnosis('inc-1', [issue({ confidence: 0.3, kind: 'new' })], 2),
    ]);
    expect(best?.issue.kind).toBe('new');
  });
});

describe('diagnosisTotals', () => {
  it('given a missed fault whose other incident named the commit, then it counts as a miss over all faults and is left out over seen ones', () => {
    const hit = judgeDiagnosis(truth, true, 'inc-1', [], [diagnosis('inc-1', [issue({})])]);
    const unseen = judgeDiagnosis(truth, false, null, ['inc-2'], [diagnosis('inc-2', [issue({})])]);
    expect(unseen.suspectTop1).toBe(true);
    const all = diagnosisTotals([hit, unseen], true);
    expect(all.suspectTop1).toEqual({ hits: 1, of: 2, ratio: 0.5 });
    expect(all.sentryTop1).toEqual({ hits: 1, of: 2, ratio: 0.5 });
    expect(all.suspectOverSentry).toBe(1);
    expect(diagnosisTotals([hit, unseen], false).lineTop5).toEqual({ hits: 1, of: 1, ratio: 1 });
  });
});
