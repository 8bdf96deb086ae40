import { describe, expect, it } from 'vitest';
import { buildEvent } from '@self-healing/shared';
import { evolve, type IncidentDoc } from '@self-healing/projector';
import type { PayloadOf } from '@self-healing/schemas';
import { formatDeployment, formatDiagnosis, formatLearning, formatValidation } from './incidents.js';

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

describe('formatDeployment', () => {
  const T = Date.UTC(2026, 11, 5, 10, 0, 0);
  type Step = { [K in keyof Payloads]: [K, Payloads[K]] }[keyof Payloads];
  type Payloads = {
    [
      K in
        | 'DeploymentRequested'
        | 'ValidationResultsLoaded'
        | 'ApprovalChecked'
        | 'BranchCreated'
        | 'ChangesApplied'
        | 'PullRequestCreated'
        | 'CIChecksConcluded'
        | 'PullRequestMerged'
        | 'DeployedToProduction'
        | 'DeploymentVerified'
        | 'DeploymentCompleted'
        | 'DeploymentRejected'
        | 'DeploymentFailed'
        | 'DeploymentWaiting'
    ]: PayloadOf<K>;
  };
  /** The projection document after these deployment.deploy events, folded by the projector itself. */
  const incident = (steps: Step[]): IncidentDoc =>
    steps.reduce<IncidentDoc | null>(
      (doc, [type, payload], i) =>
        evolve(
          doc,
          buildEvent(
            'deployment.deploy',
            { type, payload },
            {
              incidentId: 'inc-1',
              seq: i + 1,
              causationId: null,
              correlationId: 'run-1',
              startedAt: null,
              occurredAt: T + i * 1000,
              producer: 'test',
              sequenceId: 'deployment.deploy',
              beat: null,
              handler: null,
              attempt: 1,
              machineVersion: null,
            },
          ),
          'selfhealing.deployment.deploy.events',
        ) ?? doc,
      null,
    )!;
  const requested: Step = [
    'DeploymentRequested',
    {
      deploymentId: 'dp-1',
      patchId: 'pt-1',
      validationId: 'va-1',
      environment: 'production',
      strategy: 'canary',
      trigger: 'upstream_event',
      requestedBy: 'service:validation',
      rollbackOf: null,
    },
  ];
  const loaded: Step = [
    'ValidationResultsLoaded',
    { validationId: 'va-1', verdict: 'passed', checksPassed: 5, checksFailed: 0, headCommit: 'c'.repeat(40) },
  ];
  const waiting: Step = [
    'DeploymentWaiting',
    {
      beat: 3,
      handler: 'checkApproval',
      for: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
      until: T + 3_600_000,
      reason: 'severity high: a person approves',
    },
  ];

  it('tells the whole story of a deployment that was approved, merged, rolled out and rolled back', () => {
    const text = formatDeployment(
      incident([
        requested,
        loaded,
        waiting,
        [
          'ApprovalChecked',
          {
            status: 'approved',
            mode: 'person',
            policy: 'default@1',
            approver: 'user:ada',
            reasons: [{ code: 'severity', message: 'high severity needs a person', field: null }],
          },
        ],
        [
          'BranchCreated',
          {
            repository: 'http://forge/shop.git',
            branch: 'heal/inc-1',
            baseCommit: 'a'.repeat(40),
            existed: false,
          },
        ],
        ['ChangesApplied', { branch: 'heal/inc-1', commit: 'b'.repeat(40), filesChanged: 2 }],
        [
          'PullRequestCreated',
          {
            provider: 'gitea',
            number: 7,
            url: 'http://forge/shop/pulls/7',
            title: 'Fix GB labels',
            existed: false,
          },
        ],
        [
          'CIChecksConcluded',
          {
            conclusion: 'success',
            headCommit: 'b'.repeat(40),
            durationMs: 42_000,
            checks: [
              { name: 'build', conclusion: 'success', url: 'http://ci/1', durationMs: 12_000 },
              { name: 'lint', conclusion: 'success', url: null, durationMs: null },
            ],
          },
        ],
        [
          'PullRequestMerged',
          {
            number: 7,
            mergeCommit: 'd'.repeat(40),
            method: 'squash',
            automatic: true,
            mergedBy: 'forge-admin',
            headCommit: 'e'.repeat(40),
            replayedOnto: ['f'.repeat(40)],
          },
        ],
        [
          'DeployedToProduction',
          {
            deploymentId: 'dp-1',
            environment: 'production',
            version: 'd'.repeat(12),
            strategy: 'canary',
            provider: 'haproxy',
            startedAt: T + 60_000,
            finishedAt: T + 90_000,
            url: null,
          },
        ],
        [
          'DeploymentVerified',
          {
            healthy: false,
            observedForMs: 120_000,
            rolledBack: true,
            rollbackReason: 'latency.p95 above its threshold',
            checks: [
              {
                name: 'error.rate',
                passed: true,
                observed: 0.00123456,
                threshold: 0.01,
                detail: '3 of 2431',
              },
              {
                name: 'latency.p95',
                passed: false,
                observed: 812.4,
                threshold: 500,
                detail: 'POST /checkout',
              },
              { name: 'readiness', passed: true, observed: null, threshold: null, detail: '3/3 ready' },
            ],
          },
        ],
        [
          'DeploymentCompleted',
          {
            deploymentId: 'dp-1',
            patchId: 'pt-1',
            outcome: 'rolled_back',
            environment: 'production',
            mergeCommit: 'd'.repeat(40),
            pullRequestUrl: 'http://forge/shop/pulls/7',
            deployedAt: T + 90_000,
            revertPullRequestUrl: null,
            revertFailure: null,
            rollbackOf: null,
          },
        ],
      ]),
    );
    expect(text.split('\n')).toEqual([
      'deployment dp-1 of patch pt-1 (validation va-1) to production, canary; asked by service:validation (upstream event)',
      `  validation: passed, 5 checks passed, 0 failed, commit ${'c'.repeat(12)}`,
      '  approval: approved by user:ada (person, policy default@1)',
      '    - [severity] high severity needs a person',
      `  branch: heal/inc-1 from ${'a'.repeat(12)} in http://forge/shop.git`,
      `  commit: ${'b'.repeat(12)} on heal/inc-1, 2 file(s) changed`,
      '  pull request: #7 http://forge/shop/pulls/7 "Fix GB labels" (gitea)',
      `  CI: success on ${'b'.repeat(12)} in 42.0 s`,
      '    build                success   12.0 s  http://ci/1',
      '    lint                 success   -',
      `  merge: #7 as ${'d'.repeat(12)} (squash), by the platform as forge-admin, after replaying the fix onto ${'f'.repeat(12)} (the default branch moved on; CI ran again on ${'e'.repeat(12)})`,
      `  rollout: ${'d'.repeat(12)} to production (canary, haproxy) 2026-12-05 10:01:00Z to 2026-12-05 10:01:30Z (30.0 s)`,
      '  verification: UNHEALTHY over 120.0 s; ROLLED BACK: latency.p95 above its threshold',
      '    ok     error.rate       observed 0.001235, threshold 0.01  3 of 2431',
      '    FAILED latency.p95      observed 812.4, threshold 500  POST /checkout',
      '    ok     readiness        observed -, threshold -  3/3 ready',
      `  outcome: rolled back in production at 2026-12-05 10:01:30Z, merge commit ${'d'.repeat(12)}, http://forge/shop/pulls/7`,
      '',
    ]);
  });

  it('while it waits for a person: what waits, when the run looks again, and the commands that answer', () => {
    const doc = incident([requested, loaded, waiting]);
    expect(formatDeployment(doc).split('\n').slice(-5)).toEqual([
      "  WAITING for a person's approval: severity high: a person approves",
      '    (the run looks again at 2026-12-05 11:00:00Z)',
      '    approve: healctl approve inc-1 --patch pt-1',
      '    reject:  healctl reject inc-1 --reason "<why>"',
      '',
    ]);
  });

  it('a refusal, a failure and a wait for CI are said as such, with no approval commands', () => {
    const refused = formatDeployment(
      incident([
        [
          'DeploymentRejected',
          {
            reasons: [{ code: 'validation-not-passed', message: 'verdict inconclusive', field: null }],
            commandType: 'ValidationCompleted',
            commandId: 'ev-1',
          },
        ],
      ]),
    );
    expect(refused).toBe('deployment refused:\n  - [validation-not-passed] verdict inconclusive\n');
    const failed = formatDeployment(
      incident([
        requested,
        [
          'DeploymentFailed',
          {
            beat: 6,
            handler: 'createPullRequest',
            error: {
              category: 'dependency_unavailable',
              code: 'forge-down',
              message: '502 from the forge',
              stack: null,
            },
            attempts: 5,
            lastEventId: null,
          },
        ],
      ]),
    );
    expect(failed).toContain(
      '  FAILED at beat 6 createPullRequest after 5 attempt(s): [forge-down] 502 from the forge',
    );
    const ci = formatDeployment(
      incident([
        requested,
        [
          'DeploymentWaiting',
          { beat: 7, handler: 'runCIChecks', for: [], until: T + 60_000, reason: 'CI on #7' },
        ],
      ]),
    );
    expect(ci).toContain('  waiting until 2026-12-05 10:01:00Z: CI on #7');
    expect(ci).not.toContain('healctl approve');
  });

  it('prints nothing for an incident deployment.deploy never took', () => {
    expect(formatDeployment({ _id: 'inc-1', timeline: [], outputs: {} })).toBe('');
  });
});

describe('formatLearning', () => {
  const T = Date.UTC(2026, 11, 5, 10, 0, 0);
  type Learned =
    | 'EffectivenessTrackingRequested'
    | 'DeploymentInfoLoaded'
    | 'MetricsCompared'
    | 'ImprovementCalculated'
    | 'SuccessAssessed'
    | 'LearningModelsUpdated'
    | 'InsightsGenerated'
    | 'EffectivenessTrackingCompleted'
    | 'EffectivenessTrackingWaiting'
    | 'EffectivenessTrackingFailed';
  type Step = { [K in Learned]: [K, PayloadOf<K>] }[Learned];
  /** The projection document after these learning.track events, folded by the projector itself. */
  const incident = (steps: Step[]): IncidentDoc =>
    steps.reduce<IncidentDoc | null>(
      (doc, [type, payload], i) =>
        evolve(
          doc,
          buildEvent(
            'learning.track',
            { type, payload },
            {
              incidentId: 'inc-1',
              seq: i + 1,
              causationId: null,
              correlationId: 'run-1',
              startedAt: null,
              occurredAt: T + i * 1000,
              producer: 'test',
              sequenceId: 'learning.track',
              beat: null,
              handler: null,
              attempt: 1,
              machineVersion: null,
            },
          ),
          'selfhealing.learning.track.events',
        ) ?? doc,
      null,
    )!;
  const requested: Step = [
    'EffectivenessTrackingRequested',
    {
      deploymentId: 'dp-1',
      observeForMs: 1_800_000,
      trigger: 'upstream_event',
      requestedBy: 'service:deployment',
    },
  ];
  const loaded: Step = [
    'DeploymentInfoLoaded',
    {
      deploymentId: 'dp-1',
      patchId: 'pt-1',
      pullRequestUrl: null,
      deployedAt: T,
      version: 'd'.repeat(12),
      services: ['checkout'],
      findingIds: ['f-1', 'f-2'],
      baselineWindow: { from: T - 3_600_000, until: T - 600_000 },
    },
  ];
  const compared: Step = [
    'MetricsCompared',
    {
      comparisons: [
        {
          service: 'checkout',
          subject: 'POST /checkout',
          metric: 'errors',
          unit: 'per_min',
          baseline: 0.5,
          observed: 0.4,
          change: -0.98,
          verdict: 'improved',
        },
        {
          service: 'checkout',
          subject: 'GET /cart',
          metric: 'latency.p95',
          unit: 'ms',
          baseline: 120,
          observed: 410.25,
          change: 0.1,
          verdict: 'unchanged',
        },
      ],
      improved: 1,
      unchanged: 1,
      regressed: 0,
    },
  ];
  const judged: Step[] = [
    [
      'ImprovementCalculated',
      {
        improvementScore: 0.5,
        latencyP95Change: null,
        errorRateChange: -0.98,
        findingsCleared: 1,
        findingsRemaining: 1,
        newFindings: 0,
      },
    ],
    [
      'SuccessAssessed',
      {
        outcome: 'improved',
        confidence: 0.81,
        reasons: [
          {
            code: 'series-not-back',
            message: 'GET /cart p95 still above its baseline',
            field: 'latency.p95',
          },
        ],
        rollbackRecommended: false,
      },
    ],
    [
      'LearningModelsUpdated',
      {
        updates: [
          {
            model: 'strategy-success-rate:revert-commit',
            version: 4,
            samples: 4,
            document: { collection: 'learning_strategy_rates', id: 'revert-commit' },
          },
          {
            model: 'strategy-success-rate:revert-commit|error',
            version: 2,
            samples: 2,
            document: { collection: 'learning_strategy_rates', id: 'revert-commit|error' },
          },
        ],
      },
    ],
    [
      'InsightsGenerated',
      {
        insights: [
          {
            id: 'strategy-effective:checkout:revert_commit (revert-commit)',
            kind: 'strategy-effective',
            summary: 'revert_commit (revert-commit) fixed 3 of 4 incident(s) of checkout',
            confidence: 0.6667,
          },
        ],
      },
    ],
  ];

  it("tells what the fix achieved: outcome, each series, why, rollback, models moved and the run's insights", () => {
    const text = formatLearning(incident([requested, loaded, compared, ...judged]), {
      summary:
        'revert_commit (revert-commit) improved things without bringing every series back to its baseline',
      comparisons: [
        {
          findingId: 'f-1',
          service: 'checkout',
          subject: 'POST /checkout',
          metric: 'errors',
          unit: 'per_min',
          baseline: 0.5,
          during: 24,
          observed: 0.4,
          change: -0.98,
          verdict: 'improved',
          backToBaseline: true,
          p: 0.0001,
          sufficient: true,
          reason: 'error rate fell from 24/min to 0.4/min (p 1e-4)',
        },
        {
          findingId: 'f-2',
          service: 'checkout',
          subject: 'GET /cart',
          metric: 'latency.p95',
          unit: 'ms',
          baseline: 120,
          during: 380,
          observed: 410.25,
          change: 0.1,
          verdict: 'unchanged',
          backToBaseline: false,
          p: 0.4,
          sufficient: true,
          reason: '',
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'learning: deployment dp-1 of patch pt-1, observed for 30.0 min (asked by service:deployment)',
      '  outcome: IMPROVED (confidence 0.81), score 0.50, 1 finding(s) cleared, 1 remaining, 0 new',
      '  series (baseline → during → after):',
      '    errors of POST /checkout (checkout): 0.5 → 24 → 0.4 per_min, improved, back to baseline  (error rate fell from 24/min to 0.4/min (p 1e-4))',
      '    latency.p95 of GET /cart (checkout): 120 → 380 → 410.3 ms, unchanged, NOT back to baseline',
      '  why:',
      '    - [series-not-back] GET /cart p95 still above its baseline',
      '  rollback recommended: no',
      '  models updated:',
      '    strategy-success-rate:revert-commit v4, 4 sample(s)',
      '    strategy-success-rate:revert-commit|error v2, 2 sample(s)',
      '  insights:',
      '    - revert_commit (revert-commit) fixed 3 of 4 incident(s) of checkout  (strategy-effective, confidence 0.67)',
      '  summary: revert_commit (revert-commit) improved things without bringing every series back to its baseline',
      '',
    ]);
  });

  it('without the stored record, the series come from the event: before and after, the during unknown', () => {
    const text = formatLearning(incident([requested, loaded, compared]));
    expect(text).toContain('    errors of POST /checkout (checkout): 0.5 → ? → 0.4 per_min, improved');
    expect(text).not.toContain('outcome:');
  });

  it('while it observes, when the observation ends; a failure is said as such', () => {
    const waiting = formatLearning(
      incident([
        requested,
        loaded,
        [
          'EffectivenessTrackingWaiting',
          {
            beat: 3,
            handler: 'collectPostDeploymentMetrics',
            for: [],
            until: T + 1_800_000,
            reason: 'the observation window',
          },
        ],
      ]),
    );
    expect(waiting).toContain('  observing until 2026-12-05 10:30:00Z: the observation window');
    const failed = formatLearning(
      incident([
        requested,
        [
          'EffectivenessTrackingFailed',
          {
            beat: 2,
            handler: 'loadDeploymentInfo',
            error: { category: 'permanent', code: 'no-deployment', message: 'dp-1 not found', stack: null },
            attempts: 1,
            lastEventId: null,
          },
        ],
      ]),
    );
    expect(failed).toContain(
      '  FAILED at beat 2 loadDeploymentInfo after 1 attempt(s): [no-deployment] dp-1 not found',
    );
  });

  it('a rollback recommended and a kind no model ranks are said as such', () => {
    const [improvement, , , insights] = judged;
    const text = formatLearning(
      incident([
        requested,
        improvement!,
        [
          'SuccessAssessed',
          { outcome: 'regressed', confidence: 0.9, reasons: [], rollbackRecommended: true },
        ],
        ['LearningModelsUpdated', { updates: [] }],
        insights!,
      ]),
    );
    expect(text).toContain('  outcome: REGRESSED (confidence 0.90)');
    expect(text).toContain('  rollback recommended: YES');
    expect(text).toContain('  models updated: none (a remedy kind the ranking does not use)');
  });

  it('prints nothing for an incident learning.track never took', () => {
    expect(formatLearning({ timeline: [], outputs: {} })).toBe('');
  });
});
