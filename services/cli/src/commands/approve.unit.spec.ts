import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildEvent } from '@self-healing/shared';
import { evolve, type IncidentDoc } from '@self-healing/projector';
import { CliError } from '../output.js';
import { approvalWaitOf, decideApproval, rejectionReason } from './approve.js';

const T = 1_700_000_000_000;
const HOUR = 3_600_000;

/** An incident's projection document after these deployment.deploy events, folded by the projector's own evolve. */
function incident(events: Array<[type: string, payload: unknown]>): IncidentDoc {
  let doc = evolve(
    null,
    buildEvent(
      'incidents',
      { type: 'IncidentOpened', payload: { title: 'errors in checkout' } },
      meta(1, null),
    ),
    'selfhealing.incidents',
  )!;
  events.forEach(([type, payload], i) => {
    doc =
      evolve(
        doc,
        buildEvent('deployment.deploy', { type, payload }, meta(i + 1, 'deployment.deploy')),
        'selfhealing.deployment.deploy.events',
      ) ?? doc;
  });
  return doc;
}

function meta(seq: number, sequenceId: string | null) {
  return {
    incidentId: 'inc-1',
    seq,
    causationId: null,
    correlationId: 'run-1',
    startedAt: null,
    occurredAt: T + seq * 1000,
    producer: 'test',
    sequenceId,
    beat: null,
    handler: null,
    attempt: 1,
    machineVersion: null,
  };
}

const requested = (deploymentId = 'dp-1', patchId = 'pt-1'): [string, unknown] => [
  'DeploymentRequested',
  {
    deploymentId,
    patchId,
    validationId: 'va-1',
    environment: 'production',
    strategy: 'canary',
    trigger: 'upstream_event',
    requestedBy: 'service:validation',
  },
];
const loaded: [string, unknown] = [
  'ValidationResultsLoaded',
  { validationId: 'va-1', verdict: 'passed', checksPassed: 5, checksFailed: 0, headCommit: 'c'.repeat(40) },
];
const waitsForPerson: [string, unknown] = [
  'DeploymentWaiting',
  {
    beat: 3,
    handler: 'checkApproval',
    for: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
    until: T + HOUR,
    reason: 'severity high needs a person',
  },
];
const approvedBy = (status: string, approver: string | null): [string, unknown] => [
  'ApprovalChecked',
  { status, mode: approver ? 'person' : 'policy', policy: 'default@1', approver, reasons: [] },
];

describe('what a person may approve or reject', () => {
  it('a deployment waiting at checkApproval: the deployment and patch the platform asked about', () => {
    const doc = incident([requested(), loaded, waitsForPerson]);
    expect(decideApproval(doc, undefined)).toEqual({
      ok: true,
      deploymentId: 'dp-1',
      patchId: 'pt-1',
      environment: 'production',
    });
    expect(approvalWaitOf(doc)).toMatchObject({ waiting: true, until: T + HOUR });
  });

  it('the patch the person reviewed must be the one waiting', () => {
    const doc = incident([requested(), loaded, waitsForPerson]);
    expect(decideApproval(doc, 'pt-1')).toMatchObject({ ok: true, patchId: 'pt-1' });
    const other = decideApproval(doc, 'pt-0');
    expect(other).toEqual({
      ok: false,
      message:
        'deployment dp-1 waits for approval of patch pt-1, not pt-0: review that one (healctl incidents show inc-1)',
    });
  });

  it('refuses an incident without a deployment, and says when deployment.deploy refused one', () => {
    expect(decideApproval(incident([]), undefined)).toEqual({
      ok: false,
      message: 'incident inc-1 has no deployment (deployment.deploy has not accepted one)',
    });
    const refused = incident([
      [
        'DeploymentRejected',
        {
          reasons: [{ code: 'validation-not-passed', message: 'verdict inconclusive', field: null }],
          commandType: null,
          commandId: null,
        },
      ],
    ]);
    expect(decideApproval(refused, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('refused it (validation-not-passed: verdict inconclusive)'),
    });
  });

  it('refuses once the run moved past the approval, or before it got there', () => {
    const decided = incident([
      requested(),
      loaded,
      waitsForPerson,
      approvedBy('approved', 'user:ada'),
      [
        'BranchCreated',
        { repository: 'r', branch: 'heal/inc-1', baseCommit: 'a'.repeat(40), existed: false },
      ],
    ]);
    expect(decideApproval(decided, undefined)).toEqual({
      ok: false,
      message:
        'deployment dp-1 does not wait for approval: approval is approved (person, user:ada); the run is at BranchCreated',
    });
    const byPolicy = incident([requested(), loaded, approvedBy('approved', null)]);
    expect(decideApproval(byPolicy, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('approval is approved (policy); the run is at ApprovalChecked'),
    });
    const early = incident([requested(), loaded]);
    expect(decideApproval(early, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        'has not reached the approval yet (the run is at ValidationResultsLoaded)',
      ),
    });
  });

  it('refuses a finished run, a failed run and a wait for something else than a person', () => {
    const over = incident([
      requested(),
      approvedBy('approved', null),
      [
        'DeploymentCompleted',
        {
          deploymentId: 'dp-1',
          patchId: 'pt-1',
          outcome: 'rolled_back',
          environment: 'production',
          mergeCommit: 'd'.repeat(40),
          pullRequestUrl: null,
          deployedAt: T,
        },
      ],
    ]);
    expect(decideApproval(over, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('it is over (rolled back)'),
    });
    const failed = incident([
      requested(),
      [
        'DeploymentFailed',
        {
          beat: 2,
          handler: 'loadValidationResults',
          error: { category: 'permanent', code: 'x', message: 'y', stack: null },
          attempts: 5,
          lastEventId: null,
        },
      ],
    ]);
    expect(decideApproval(failed, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('it failed at beat 2 loadValidationResults'),
    });
    const ci = incident([
      requested(),
      approvedBy('approved', null),
      [
        'DeploymentWaiting',
        { beat: 7, handler: 'runCIChecks', for: [], until: T + HOUR, reason: 'CI on #7' },
      ],
    ]);
    expect(decideApproval(ci, undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining('approval is approved (policy); the run waits for CI on #7'),
    });
  });

  it('a wait renewed at each look (for a review on the pull request) still waits for the same answer', () => {
    const doc = incident([requested(), loaded, waitsForPerson, waitsForPerson, waitsForPerson]);
    expect(decideApproval(doc, 'pt-1')).toMatchObject({ ok: true, deploymentId: 'dp-1' });
  });

  it('a refusal by a person ends the wait', () => {
    const doc = incident([
      requested(),
      loaded,
      waitsForPerson,
      [
        'DeploymentRejected',
        {
          reasons: [
            { code: 'rejected-by-person', message: 'user:ada rejected the fix: GB labels', field: null },
          ],
          commandType: null,
          commandId: null,
        },
      ],
    ]);
    expect(decideApproval(doc, undefined)).toEqual({
      ok: false,
      message:
        'deployment dp-1 does not wait for approval: it was refused (rejected-by-person: user:ada rejected the fix: GB labels)',
    });
  });

  it('a pending ApprovalChecked as the latest event is a wait for a person too', () => {
    const doc = incident([
      requested(),
      [
        'ApprovalChecked',
        {
          status: 'pending',
          mode: 'person',
          policy: 'default@1',
          approver: null,
          reasons: [{ code: 'severity', message: 'high severity needs a person', field: null }],
        },
      ],
    ]);
    expect(approvalWaitOf(doc)).toEqual({
      waiting: true,
      deploymentId: 'dp-1',
      patchId: 'pt-1',
      environment: 'production',
      until: null,
      reason: 'severity: high severity needs a person',
    });
  });

  it("answers the latest deployment, not an earlier run's", () => {
    const doc = incident([
      requested('dp-1', 'pt-1'),
      waitsForPerson,
      approvedBy('denied', 'user:ada'),
      requested('dp-2', 'pt-2'),
      waitsForPerson,
    ]);
    expect(decideApproval(doc, 'pt-2')).toMatchObject({ ok: true, deploymentId: 'dp-2', patchId: 'pt-2' });
    expect(decideApproval(doc, 'pt-1').ok).toBe(false);
  });
});

describe('the reason of a rejection', () => {
  it('is trimmed, and refused (bad usage) when empty or too long', () => {
    expect(rejectionReason('  breaks the GB labels \n')).toBe('breaks the GB labels');
    for (const bad of ['', '   \n', 'x'.repeat(2001)]) {
      const refusal = (() => {
        try {
          rejectionReason(bad);
        } catch (error) {
          return error;
        }
      })();
      expect(refusal, JSON.stringify(bad.slice(0, 10))).toBeInstanceOf(CliError);
      expect((refusal as CliError).exitCode).toBe(2);
    }
  });
});

describe('healctl approve / reject: arguments refused before any server is asked', () => {
  // Servers that do not exist: a command that got past its checks would fail with another code than 2.
  // The whole command line's modules load on the first import: seconds on a busy machine, not part of any case.
  let main: (argv: string[]) => Promise<number>;
  beforeAll(async () => {
    ({ main } = await import('../program.js'));
  }, 60_000);
  beforeEach(() => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1');
    vi.stubEnv('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:1');
    vi.stubEnv('MONGODB_URI', 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.each([
    ['reject without --reason', ['reject', 'inc-1']],
    ['reject with a blank reason', ['reject', 'inc-1', '--reason', '  ']],
    ['a malformed incident id', ['approve', 'inc 1; rm -rf /']],
    ['a malformed patch id', ['approve', 'inc-1', '--patch', '../pt']],
  ])('%s exits 2', async (_, args) => {
    expect(await main(['node', 'healctl', ...args])).toBe(2);
  });
});
