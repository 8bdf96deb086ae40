import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { PRIOR_SUCCESS, rateFor, type StrategyRecord } from '@self-healing/diagnosis';
import {
  formatServiceInsights,
  modelRows,
  remedyRows,
  serviceInsights,
  serviceName,
  type EffectivenessRecord,
  type RateDoc,
} from './insights.js';

const T = Date.UTC(2026, 11, 5, 10, 0, 0);
const MIN = 60_000;
const SIG = ['error', 'error:TypeError', 'error:TypeError@src/labels.ts'];

let n = 0;
const record = (r: Partial<EffectivenessRecord>): EffectivenessRecord => {
  n += 1;
  return {
    incidentId: `inc-${n}`,
    service: 'checkout',
    strategy: 'revert_commit',
    remedyKind: 'revert-commit',
    outcome: 'resolved',
    signatureKeys: SIG,
    files: [],
    detectionToVerifiedMs: 10 * MIN,
    summary: `summary ${n}`,
    at: T + n * MIN,
    ...r,
  };
};

/** Counts as learning.track writes them: every outcome at the kind and at each of its signature keys. */
function ratesOf(records: readonly EffectivenessRecord[]): RateDoc[] {
  const docs = new Map<string, RateDoc>();
  for (const r of records)
    for (const key of [null, ...r.signatureKeys]) {
      const id = key === null ? r.remedyKind : `${r.remedyKind}|${key}`;
      const d = docs.get(id) ?? { _id: id, kind: r.remedyKind, key, attempts: 0, successes: 0 };
      d.attempts += 1;
      d.successes += r.outcome === 'resolved' ? 1 : 0;
      docs.set(id, d);
    }
  return [...docs.values()];
}

describe('remedyRows', () => {
  it('counts resolved as success (as the models do), improved apart, with the median time to a verified fix', () => {
    const rows = remedyRows([
      record({ outcome: 'resolved', detectionToVerifiedMs: 10 * MIN }),
      record({ outcome: 'improved', detectionToVerifiedMs: 30 * MIN }),
      record({ outcome: 'regressed', detectionToVerifiedMs: 20 * MIN }),
      // A rolled-back canary: never verified, so no time.
      record({ outcome: 'regressed', detectionToVerifiedMs: null }),
      record({
        strategy: 'code_change',
        remedyKind: 'guard',
        outcome: 'no_change',
        detectionToVerifiedMs: null,
      }),
    ]);
    expect(rows).toEqual([
      {
        strategy: 'revert_commit',
        remedyKind: 'revert-commit',
        attempts: 4,
        successes: 1,
        improved: 1,
        successRate: 0.25,
        medianDetectionToVerifiedMs: 20 * MIN,
      },
      {
        strategy: 'code_change',
        remedyKind: 'guard',
        attempts: 1,
        successes: 0,
        improved: 0,
        successRate: 0,
        medianDetectionToVerifiedMs: null,
      },
    ]);
  });
});

describe('modelRows', () => {
  it('gives each level the posterior the ranking computes for a fault ending at that level, general first', () => {
    const records = [
      record({ outcome: 'resolved' }),
      record({ outcome: 'regressed' }),
      record({ outcome: 'regressed', signatureKeys: ['error'] }),
    ];
    const rates = ratesOf(records).reverse();
    const counts = new Map<string, StrategyRecord>(rates.map((d) => [d._id, d]));
    const rows = modelRows(records, rates);
    expect(rows.map((r) => [r.level, r.attempts, r.successes])).toEqual([
      ['*', 3, 1],
      ['error', 3, 1],
      ['error:TypeError', 2, 1],
      ['error:TypeError@src/labels.ts', 2, 1],
    ]);
    const file = rows.at(-1)!;
    expect(file.mean).toBeCloseTo(rateFor('revert-commit', SIG, counts).mean, 12);
    expect(file.lower95).toBeCloseTo(rateFor('revert-commit', SIG, counts).lower95, 12);
    expect(rows[2]!.mean).toBeCloseTo(rateFor('revert-commit', SIG.slice(0, 2), counts).mean, 12);
    expect(rows[0]!.mean).toBeCloseTo(rateFor('revert-commit', [], counts).mean, 12);
    // One success in three pulls the kind's rate below its prior; the bound is below the mean.
    expect(rows[0]!.mean!).toBeLessThan(PRIOR_SUCCESS['revert-commit']);
    for (const r of rows) expect(r.lower95!).toBeLessThan(r.mean!);
  });

  it('shows the counts of a kind diagnosis does not rank, without a posterior', () => {
    const rows = modelRows([], [{ _id: 'hotfix', kind: 'hotfix', key: null, attempts: 2, successes: 1 }]);
    expect(rows).toEqual([
      { kind: 'hotfix', level: '*', attempts: 2, successes: 1, mean: null, lower95: null },
    ]);
  });
});

describe('serviceInsights and formatServiceInsights', () => {
  it("prints the service's insights, remedies, models and its last ten incidents, newest first", () => {
    const records = Array.from({ length: 12 }, (_, i) =>
      record({
        incidentId: `inc-r${i}`,
        outcome: i % 3 === 0 ? 'regressed' : 'resolved',
        at: T + i * MIN,
        files: ['src/labels.ts'],
        summary: `fix ${i}`,
      }),
    );
    const report = serviceInsights('checkout', records, ratesOf(records));
    expect(report.records).toBe(12);
    expect(report.recent.map((r) => r.incidentId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `inc-r${11 - i}`),
    );
    expect(report.insights.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['strategy-effective', 'recurring-cause', 'file-keeps-breaking', 'time-to-fix']),
    );
    const lines = formatServiceInsights(report).split('\n');
    expect(lines[0]).toBe('service checkout: 12 effectiveness record(s)');
    expect(lines).toContain(
      '    - revert_commit (revert-commit) fixed 8 of 12 tries on incidents of checkout  (strategy-effective, confidence 0.64)',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {4}STRATEGY\s+KIND\s+ATTEMPTS\s+RESOLVED\s+IMPROVED\s+SUCCESS %\s+MEDIAN TO VERIFIED$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {4}revert_commit\s+revert-commit\s+12\s+8\s+0\s+67 %\s+10\.0 min$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {4}revert-commit\s+\*\s+12\s+8\s+0\.\d\d\s+0\.\d\d$/),
    );
    expect(lines).toContain('  last 10 incident(s):');
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {4}inc-r11\s+2026-12-05 10:11:00Z\s+resolved\s+fix 11$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}inc-r9\s+\S+ \S+\s+regressed\s+fix 9$/));
    expect(lines.join('\n')).not.toContain('inc-r1 ');
  });
});

describe('serviceName', () => {
  it('takes a catalogue name and refuses anything a record could not carry', () => {
    expect(serviceName('checkout-api.v2')).toBe('checkout-api.v2');
    expect(() => serviceName('')).toThrow(InvalidArgumentError);
    expect(() => serviceName('a b')).toThrow(InvalidArgumentError);
    expect(() => serviceName('x'.repeat(101))).toThrow(InvalidArgumentError);
  });
});
