import { describe, expect, it } from 'vitest';
import { buildEvent, type StageEvent } from '@self-healing/shared';
import { evolve, type IncidentDoc } from './evolve.js';
import { toIncidentState } from './incidentState.js';

const T = 1_700_000_000_000;
const ev = (type: string, seq: number, payload: unknown): StageEvent =>
  buildEvent(
    'incidents',
    { type, payload },
    {
      incidentId: 'inc-1',
      seq,
      causationId: null,
      correlationId: 'run-1',
      startedAt: null,
      occurredAt: T + seq * 60_000,
      producer: 'test',
      sequenceId: null,
      beat: null,
      handler: null,
      attempt: 1,
      machineVersion: null,
    },
  );
const opened = {
  title: 'error burst in checkout',
  severity: 'high',
  kinds: ['error'],
  services: ['checkout'],
  timeRange: { from: T, until: T + 1 },
  findings: [{ id: 'f1' }, { id: 'f2' }],
};
const fold = (events: StageEvent[]) =>
  events.reduce<IncidentDoc | null>((d, e) => evolve(d, e, 'selfhealing.incidents') ?? d, null)!;

describe('the current state of an incident, for the compacted topic', () => {
  it('given an opened incident, it is open with the evidence counts', () => {
    const s = toIncidentState(fold([ev('IncidentOpened', 1, opened)]));
    expect(s).toMatchObject({
      incidentId: 'inc-1',
      version: 1,
      status: 'open',
      title: opened.title,
      severity: 'high',
      findingCount: 2,
      openedAt: T + 60_000,
      resolvedAt: null,
      reopenCount: 0,
      lastEventType: 'IncidentOpened',
    });
  });

  it('follows updates, resolution and reopening', () => {
    const updated = fold([
      ev('IncidentOpened', 1, opened),
      ev('IncidentUpdated', 2, { severity: 'critical', findingCount: 5 }),
    ]);
    expect(toIncidentState(updated)).toMatchObject({
      version: 2,
      severity: 'critical',
      findingCount: 5,
      status: 'open',
    });
    const resolved = fold([
      ev('IncidentOpened', 1, opened),
      ev('IncidentResolved', 2, { resolution: 'recovered' }),
    ]);
    expect(toIncidentState(resolved)).toMatchObject({
      status: 'resolved',
      resolution: 'recovered',
      resolvedAt: T + 120_000,
    });
    // Healed: learning.track measured the fix resolving it.
    const healed = fold([
      ev('IncidentOpened', 1, opened),
      ev('EffectivenessTrackingCompleted', 2, { outcome: 'resolved', resolvesIncident: true }),
    ]);
    expect(toIncidentState(healed)).toMatchObject({
      status: 'resolved',
      resolution: 'fixed',
      resolvedAt: T + 120_000,
    });
    // A fix that changed nothing leaves it open, for the next remedy.
    const unchanged = fold([
      ev('IncidentOpened', 1, opened),
      ev('EffectivenessTrackingCompleted', 2, { outcome: 'no_change', resolvesIncident: false }),
    ]);
    expect(toIncidentState(unchanged)).toMatchObject({ status: 'open', resolution: null, resolvedAt: null });
    const back = fold([
      ev('IncidentOpened', 1, opened),
      ev('IncidentResolved', 2, { resolution: 'recovered' }),
      ev('IncidentReopened', 3, { severity: 'medium', reopenCount: 1 }),
    ]);
    expect(toIncidentState(back)).toMatchObject({
      status: 'open',
      resolution: null,
      resolvedAt: null,
      reopenCount: 1,
      severity: 'medium',
      lastEventType: 'IncidentReopened',
    });
  });

  it('runs (parse, detection) have no incident state', () => {
    const run = evolve(
      null,
      buildEvent(
        'telemetry.parse',
        { type: 'TelemetryParseRequested', payload: {} },
        { ...ev('x', 1, {}).meta, sequenceId: 'telemetry.parse' },
      ),
      't',
    )!;
    expect(toIncidentState(run)).toBeNull();
  });
});

describe('an incident through the healing stages', () => {
  const stageEvent = (type: string, seq: number, payload: unknown, sequenceId: string): StageEvent => {
    const e = ev(type, seq, payload);
    return { ...e, meta: { ...e.meta, sequenceId } };
  };
  const foldOn = (events: Array<[StageEvent, string]>) =>
    events.reduce<IncidentDoc | null>((d, [e, topic]) => evolve(d, e, topic) ?? d, null)!;
  const base: Array<[StageEvent, string]> = [[ev('IncidentOpened', 1, opened), 'selfhealing.incidents']];
  const diag = (type: string, seq: number, payload: unknown): [StageEvent, string] => [
    stageEvent(type, seq, payload, 'diagnosis.analyze'),
    'selfhealing.diagnosis.analyze.events',
  ];

  it('is diagnosing while the diagnosis runs, names it, is open once it completes, stalled when fixing is refused', () => {
    const running = foldOn([...base, diag('DiagnosisRequested', 1, { diagnosisId: 'dg-1' })]);
    expect(toIncidentState(running)).toMatchObject({ status: 'diagnosing', diagnosisId: 'dg-1' });
    const done = foldOn([
      ...base,
      diag('DiagnosisRequested', 1, { diagnosisId: 'dg-1' }),
      diag('DiagnosisCompleted', 11, { diagnosisId: 'dg-1' }),
    ]);
    expect(toIncidentState(done)).toMatchObject({ status: 'open', diagnosisId: 'dg-1' });
    const refused = foldOn([
      ...base,
      diag('DiagnosisRequested', 1, { diagnosisId: 'dg-1' }),
      [
        stageEvent('FixGenerationRejected', 1, { reasons: [] }, 'fix.generate'),
        'selfhealing.fix.generate.events',
      ],
    ]);
    expect(toIncidentState(refused)).toMatchObject({ status: 'stalled' });
  });

  const deploy = (type: string, seq: number, payload: unknown): [StageEvent, string] => [
    stageEvent(type, seq, payload, 'deployment.deploy'),
    'selfhealing.deployment.deploy.events',
  ];
  const requested = (deploymentId: string, seq: number) =>
    deploy('DeploymentRequested', seq, {
      deploymentId,
      patchId: 'pt-1',
      validationId: 'va-1',
      environment: 'production',
      strategy: 'canary',
      trigger: 'upstream_event',
      requestedBy: 'service:validation',
    });
  const approvalWait = (seq: number) =>
    deploy('DeploymentWaiting', seq, {
      beat: 3,
      handler: 'checkApproval',
      for: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
      until: T + 3_600_000,
      reason: 'the policy asks a person for severity high',
    });

  it('names its deployment and awaits approval while checkApproval waits for a person', () => {
    const s = toIncidentState(foldOn([...base, requested('dp-1', 1), approvalWait(2)]));
    expect(s).toMatchObject({
      status: 'awaiting_approval',
      stage: 'deployment.deploy',
      deploymentId: 'dp-1',
      pullRequestUrl: null,
    });
  });

  it('is deploying again once approved, and names the pull request once opened', () => {
    const s = toIncidentState(
      foldOn([
        ...base,
        requested('dp-1', 1),
        approvalWait(2),
        deploy('ApprovalChecked', 3, {
          status: 'approved',
          mode: 'person',
          policy: 'p@1',
          approver: 'user:ada',
          reasons: [],
        }),
        deploy('PullRequestCreated', 4, {
          provider: 'gitea',
          number: 7,
          url: 'http://forge/shop/pulls/7',
          title: 'Fix',
          existed: false,
        }),
      ]),
    );
    expect(s).toMatchObject({
      status: 'deploying',
      deploymentId: 'dp-1',
      pullRequestUrl: 'http://forge/shop/pulls/7',
    });
  });

  it('a wait for something else than a person (CI, an observation window) is not an approval', () => {
    const s = toIncidentState(
      foldOn([
        ...base,
        requested('dp-1', 1),
        deploy('DeploymentWaiting', 2, {
          beat: 7,
          handler: 'runCIChecks',
          for: [],
          until: T,
          reason: 'CI',
        }),
      ]),
    );
    expect(s?.status).toBe('deploying');
  });

  it('does not name the pull request of an earlier deployment as the one of a newer deployment', () => {
    const s = toIncidentState(
      foldOn([
        ...base,
        requested('dp-1', 1),
        deploy('PullRequestCreated', 2, {
          provider: 'gitea',
          number: 7,
          url: 'http://forge/shop/pulls/7',
          title: 'Fix',
          existed: false,
        }),
        requested('dp-2', 3),
      ]),
    );
    expect(s).toMatchObject({ deploymentId: 'dp-2', pullRequestUrl: null });
  });
});
