import { describe, expect, it } from 'vitest';
import { rateKey, signatureOfIssue, type RemedyKind } from './learnedRates.js';
import { rankRemedies, recommend, successRate, type DiagnosedIssue } from './remedies.js';

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

  it('given a lone suspect that touched only a far frame while the throwing line is as it was, then its revert is no more likely than that evidence', () => {
    // A rare warning's stack: frame 0 unchanged, the release only touched the HTTP server's handler at frame 5.
    const weak = issue({
      lines: [
        { path: 'src/notify/notifier.ts', line: 33, score: 1, why: 'stack frame 0' },
        {
          path: 'src/http/server.ts',
          line: 83,
          score: 0.12,
          why: `stack frame 5; changed in ${sha.slice(0, 7)} "x"`,
        },
      ],
      confidence: 0.9,
      suspects: [
        { sha, score: 0.12, lines: 1, subject: 'Log the user agent', author: 'Maya', time: 0, why: '' },
      ],
    });
    const revert = recommend([weak]).find((r) => r.strategy === 'revert_commit')!;
    expect(revert.confidence).toBeLessThan(0.15);
    // The same lone suspect on the throwing line itself is as likely as the evidence.
    const strong = issue({
      confidence: 0.9,
      suspects: [{ sha, score: 4, lines: 1, subject: 'Shipping: capitals', author: 'Wen', time: 0, why: '' }],
    });
    expect(recommend([strong]).find((r) => r.strategy === 'revert_commit')!.confidence).toBeGreaterThan(0.6);
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

  it('given a remedy that failed on one fault signature and another that worked there, then issues with that signature rank the one that worked first, and other faults keep their ranking', () => {
    const nullDeref = issue();
    const S = signatureOfIssue(nullDeref);
    expect(S).toEqual(['error', 'error:TypeError', 'error:TypeError@src/shipping/address.ts']);
    const slowStep = issue({
      id: 'is-2',
      kind: 'performance',
      title: 'Slower step "label printed"',
      evidence: { steps: 'label printed', findings: 1 },
    });
    expect(rankRemedies([nullDeref])[0]!.kind).toBe('revert-commit');
    expect(rankRemedies([slowStep])[0]!.kind).toBe('revert-commit');
    // What learning.track writes: reverts worked on 20 slow steps and failed 4 times on S, the partial revert
    // failed twice on S, the guard worked 4 times on S. Every outcome counts at the kind and at each of its levels.
    const learned = new Map<string, { attempts: number; successes: number }>();
    const add = (kind: RemedyKind, keys: string[], attempts: number, successes: number) => {
      for (const id of [rateKey(kind), ...keys.map((k) => rateKey(kind, k))]) {
        const had = learned.get(id) ?? { attempts: 0, successes: 0 };
        learned.set(id, { attempts: had.attempts + attempts, successes: had.successes + successes });
      }
    };
    add('revert-commit', signatureOfIssue(slowStep), 20, 20);
    add('revert-commit', S, 4, 0);
    add('revert-hunks', S, 2, 0);
    add('guard', S, 4, 4);
    const ranked = rankRemedies([nullDeref], learned);
    expect(ranked[0]!.kind).toBe('guard');
    expect(ranked[0]!.recommendation.rationale).toContain(
      'learned from 4 outcome(s) on error:TypeError@src/shipping/address.ts',
    );
    expect(successRate('revert-commit', learned, S)).toBeLessThan(0.5);
    // A slow step is another fault: the reverts that worked there keep the revert first.
    expect(rankRemedies([slowStep], learned)[0]!.kind).toBe('revert-commit');
    expect(successRate('revert-commit', learned, signatureOfIssue(slowStep))).toBeGreaterThan(0.9);
    // The same null dereference in another file shares the error type's level: the guard leads there too.
    const elsewhere = issue({
      id: 'is-3',
      lines: [
        { path: 'src/billing/invoice.ts', line: 9, score: 4, why: `changed in ${sha.slice(0, 7)} "x"` },
      ],
    });
    expect(rankRemedies([elsewhere], learned)[0]!.kind).toBe('guard');
  });
});
