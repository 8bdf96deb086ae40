import { describe, expect, it } from 'vitest';
import { recommend, successRate, type DiagnosedIssue } from './remedies.js';

const sha = 'b'.repeat(40);
const issue = (over: Partial<DiagnosedIssue> = {}): DiagnosedIssue => ({
  id: 'is-1',
  kind: 'error',
  title: 'Error "Cannot read properties of undefined (reading \'toUpperCase\')"',
  hypothesis: 'The error is raised at src/shipping/address.ts:56.',
  findingIds: ['f1'],
  lines: [
    {
      path: 'src/shipping/address.ts',
      line: 56,
      score: 4,
      why: `stack frame 0; changed in ${sha.slice(0, 7)} "x"`,
    },
    { path: 'src/checkout/flow.ts', line: 120, score: 0.5, why: 'stack frame 1' },
  ],
  evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
  confidence: 0.8,
  suspects: [
    {
      sha,
      score: 5,
      lines: 3,
      subject: 'Shipping: capitals',
      author: 'Wen',
      time: 0,
      why: 'touched 3 lines',
    },
    { sha: 'c'.repeat(40), score: 0.5, lines: 1, subject: 'Other', author: 'Ada', time: 0, why: '' },
  ],
  bounded: true,
  sentrySuspect: sha,
  ...over,
});

describe('recommend', () => {
  it('given a clear suspect in the deployment window, then reverting it ranks first and is automatable', () => {
    const recs = recommend([issue()]);
    expect(recs[0]).toMatchObject({ strategy: 'revert_commit', automatable: true, rank: 1 });
    expect(recs[0]!.summary).toContain('bbbbbbb');
    expect(recs.map((r) => r.strategy)).toEqual(
      expect.arrayContaining(['revert_commit', 'code_change', 'manual']),
    );
    // A guard for the missing value is offered too (the error says a value was undefined).
    expect(
      recs.some((r) => r.summary.startsWith('Guard the missing value at src/shipping/address.ts:56')),
    ).toBe(true);
    expect(recs.find((r) => r.strategy === 'manual')).toMatchObject({ automatable: false });
    // A template change at the evidence is offered too, below the revert the window supports.
    const template = recs.find((r) => r.summary.startsWith('Change the code at src/shipping/address.ts:56'))!;
    expect(template).toMatchObject({ strategy: 'code_change', automatable: true });
    expect(template.confidence).toBeLessThan(recs[0]!.confidence);
    expect(new Set(recs.map((r) => r.id)).size).toBe(recs.length);
  });

  it('given suspects from history only, then no revert is proposed, and without a located cause only a person is', () => {
    expect(recommend([issue({ bounded: false })]).some((r) => r.strategy === 'revert_commit')).toBe(false);
    const none = recommend([issue({ suspects: [], lines: [], confidence: 0.05, evidence: {} })]);
    expect(none.map((r) => r.strategy)).toEqual(['manual']);
  });

  it('given learned outcomes where reverts failed, then the learned rate replaces the prior and the ranking follows', () => {
    const learned = new Map([['revert-commit', { attempts: 50, successes: 5 }]]);
    expect(successRate('revert-commit', learned)).toBeCloseTo((5 + 0.85 * 5) / 55);
    const recs = recommend([issue()], learned);
    expect(recs[0]!.strategy).not.toBe('revert_commit');
    expect(recs.find((r) => r.strategy === 'revert_commit')!.rationale).toMatch(/learned/);
  });
});
