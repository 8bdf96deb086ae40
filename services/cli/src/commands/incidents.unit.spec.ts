import { describe, expect, it } from 'vitest';
import { formatDiagnosis } from './incidents.js';

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
