import { describe, expect, it } from 'vitest';
import { formatDiagnosis, formatValidation } from './incidents.js';

describe('formatDiagnosis', () => {
  it('prints each issue with its evidence lines and suspects, then the ranked remedies', () => {
    const text = formatDiagnosis({
      diagnosisId: 'dg-1',
      incidentVersion: 1,
      codebase: {
        url: 'http://forge/checkout.git',
        bad: 'b'.repeat(40),
        good: 'a'.repeat(40),
        source: 'deployment',
      },
      issues: [
        {
          kind: 'error',
          title: 'Error "boom" raised at src/a.ts:3',
          hypothesis: 'The error is raised at src/a.ts:3.',
          confidence: 0.9,
          lines: [{ path: 'src/a.ts', line: 3, score: 4, why: 'stack frame 0 (f)' }],
          suspects: [
            { sha: 'c'.repeat(40), subject: 'Make f faster', author: 'Ada', score: 4, why: 'touched 1 line' },
          ],
        },
      ],
      unexplainedFindingIds: ['f-9'],
      recommendations: [
        {
          rank: 1,
          strategy: 'revert_commit',
          summary: 'Revert ccccccc "Make f faster"',
          confidence: 0.7,
          automatable: true,
          rationale: '',
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'diagnosis dg-1',
      '  code: http://forge/checkout.git at bbbbbbbbbbbb (deployment; last good aaaaaaaaaaaa)',
      '',
      '  [error] Error "boom" raised at src/a.ts:3  (confidence 0.90)',
      '    The error is raised at src/a.ts:3.',
      '    at src/a.ts:3  stack frame 0 (f)',
      '    suspect cccccccccccc "Make f faster" by Ada (4.00): touched 1 line',
      '',
      '  unexplained findings: f-9',
      '',
      '  remedies:',
      '    1. Revert ccccccc "Make f faster"  [revert_commit, confidence 0.70, automatable]',
      '',
    ]);
  });

  it('says so when no cause was found', () => {
    const text = formatDiagnosis({
      diagnosisId: 'dg-2',
      incidentVersion: 1,
      issues: [],
      unexplainedFindingIds: [],
      recommendations: [],
    });
    expect(text).toContain('no cause found');
  });
});

describe('formatValidation', () => {
  it('prints the verdict, each check, why it failed, the sandbox steps and the uncovered changed lines', () => {
    const text = formatValidation({
      validationId: 'va-1',
      patchId: 'pt-1',
      headCommit: 'c'.repeat(40),
      verdict: 'failed',
      checks: [
        { check: 'tests', verdict: 'failed', summary: '44 passed, 1 failed' },
        { check: 'coverage', verdict: 'passed', summary: '3/3 changed lines run' },
      ],
      reasons: [
        {
          code: 'tests-broken',
          message: '1 test(s) that pass on the base fail on the patch: address > label',
        },
      ],
      tests: {
        steps: [
          {
            step: 'build patched',
            exitCode: 0,
            killedFor: null,
            durationMs: 2100,
            sandbox: 'user nobody, own pid namespace, no network',
          },
          { step: 'test patched #1', exitCode: null, killedFor: 'timeout', durationMs: 20000 },
        ],
        broken: ['address > label'],
        flaky: [],
        regression: { verdict: 'passed', reason: 'fails on the base, passes on the patch' },
      },
      coverage: { uncovered: [{ file: 'src/a.ts', lines: [4, 5] }] },
    });
    expect(text).toContain('validation va-1 of pt-1 (commit cccccccccccc): FAILED');
    expect(text).toMatch(/tests\s+failed\s+44 passed, 1 failed/);
    expect(text).toContain('[tests-broken]');
    expect(text).toContain('broken by the patch: address > label');
    expect(text).toMatch(/test patched #1\s+killed \(timeout\) in 20000 ms/);
    expect(text).toContain('changed, run by no test: src/a.ts:4,5');
    expect(text).toContain('sandbox: user nobody, own pid namespace, no network');
  });
});
