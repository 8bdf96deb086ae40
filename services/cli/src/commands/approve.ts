import type { Command } from 'commander';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import type { PayloadOf } from '@self-healing/schemas';
import { withMongo } from '../context.js';
import { sendCommand } from './diagnose.js';
import { EXIT } from '../exitCodes.js';
import { CliError, checkIds, printJson } from '../output.js';

/**
 * `healctl approve <incident>` and `healctl reject <incident> --reason <text>`: a person's answer to a deployment
 * that waits at deployment.deploy's checkApproval. The deployment and patch ids are the ones the platform asked
 * about (its DeploymentRequested), never typed by hand, so a person approves exactly the patch that waits.
 */

const STAGE = 'deployment.deploy';

/** The events of a deployment run the projection keeps (`doc.outputs.<type>`), in beat order. */
const RUN_EVENTS = [
  'DeploymentRequested',
  'ValidationResultsLoaded',
  'ApprovalChecked',
  'BranchCreated',
  'ChangesApplied',
  'PullRequestCreated',
  'CIChecksConcluded',
  'PullRequestMerged',
  'DeployedToProduction',
  'DeploymentVerified',
  'DeploymentCompleted',
  'DeploymentRejected',
  'DeploymentFailed',
  'DeploymentWaiting',
] as const;
type RunEvent = (typeof RUN_EVENTS)[number];

/** The latest deployment run of an incident: each event's payload (as the projection summarised it), if emitted. */
export type DeploymentRun = { readonly [K in RunEvent]?: PayloadOf<K> } & {
  /** The run's latest event: where it stands. */
  readonly lastEvent: string;
};

type ProjectedIncident = Pick<IncidentDoc, '_id' | 'timeline' | 'outputs'>;

/**
 * The incident's latest deployment run, from its DeploymentRequested on; null when deployment.deploy never
 * accepted one. Only events of that run count: `outputs` keeps the latest payload per type, which after a second
 * deployment could still be the first one's pull request or approval.
 */
export function deploymentRunOf(doc: ProjectedIncident): DeploymentRun | null {
  const entries = doc.timeline.filter((t) => t.stage === STAGE);
  const start = entries.findLastIndex((t) => t.event === 'DeploymentRequested');
  if (start < 0) return null;
  const run = entries.slice(start);
  const seen = new Set(run.map((t) => t.event));
  const out: Record<string, unknown> = { lastEvent: run.at(-1)!.event };
  for (const type of RUN_EVENTS)
    if (seen.has(type) && doc.outputs[type] !== undefined) out[type] = doc.outputs[type];
  return out as DeploymentRun;
}

/** Whether the run waits for a person at checkApproval, and if not, why not (in words). */
export type ApprovalWait =
  | {
      waiting: true;
      deploymentId: string;
      patchId: string;
      environment: string;
      /** When the run looks again (or gives up); null when the projection does not know. */
      until: number | null;
      reason: string | null;
    }
  | { waiting: false; why: string };

/**
 * A run waits for a person when its latest event is the stage's DeploymentWaiting for the approval commands (the
 * runtime's record of checkApproval ending in a wait), or a pending ApprovalChecked. Anything after it means the
 * run moved on: an approval given, the deadline's decision, a refusal, a failure.
 */
export function approvalWaitOf(doc: ProjectedIncident): ApprovalWait {
  const run = deploymentRunOf(doc);
  if (!run?.DeploymentRequested) {
    const refused = doc.outputs.DeploymentRejected as PayloadOf<'DeploymentRejected'> | undefined;
    return {
      waiting: false,
      why: refused
        ? `incident ${doc._id} has no deployment: deployment.deploy refused it (${reasonsText(refused.reasons)})`
        : `incident ${doc._id} has no deployment (deployment.deploy has not accepted one)`,
    };
  }
  const { deploymentId, patchId, environment } = run.DeploymentRequested;
  const waiting = { waiting: true as const, deploymentId, patchId, environment };
  const wait = run.DeploymentWaiting;
  if (run.lastEvent === 'DeploymentWaiting' && wait?.for.includes('ApproveDeploymentCommand'))
    return { ...waiting, until: wait.until, reason: wait.reason };
  if (run.lastEvent === 'ApprovalChecked' && run.ApprovalChecked?.status === 'pending')
    return { ...waiting, until: null, reason: reasonsText(run.ApprovalChecked.reasons) || null };
  return { waiting: false, why: `deployment ${deploymentId} does not wait for approval: ${whereRunIs(run)}` };
}

/** Where a run that does not wait for a person stands, for the refusal's message. */
function whereRunIs(run: DeploymentRun): string {
  const done = run.DeploymentCompleted;
  if (done) return `it is over (${done.outcome.replace('_', ' ')})`;
  if (run.lastEvent === 'DeploymentRejected')
    return `it was refused (${reasonsText(run.DeploymentRejected?.reasons ?? [])})`;
  if (run.lastEvent === 'DeploymentFailed')
    return `it failed at beat ${run.DeploymentFailed?.beat} ${run.DeploymentFailed?.handler}`;
  const position =
    run.lastEvent === 'DeploymentWaiting'
      ? `the run waits for ${run.DeploymentWaiting?.reason ?? 'something else'}`
      : `the run is at ${run.lastEvent}`;
  const approval = run.ApprovalChecked;
  if (approval)
    return `approval is ${approval.status} (${approval.mode}${approval.approver ? `, ${approval.approver}` : ''}); ${position}`;
  return `the run has not reached the approval yet (${position})`;
}

/** The command a person's answer becomes, or why it is refused (nothing is sent then). */
export type ApprovalDecision =
  { ok: true; deploymentId: string; patchId: string; environment: string } | { ok: false; message: string };

/**
 * Checks a person's answer against what the platform waits for: a deployment waiting at checkApproval, for the
 * patch the person says they reviewed (`--patch`, optional). The approval deadline is the stage's to enforce: the
 * wait's `until` is only when the run looks again (for a review on the pull request), renewed each time.
 */
export function decideApproval(doc: ProjectedIncident, reviewedPatch: string | undefined): ApprovalDecision {
  const wait = approvalWaitOf(doc);
  if (!wait.waiting) return { ok: false, message: wait.why };
  if (reviewedPatch !== undefined && reviewedPatch !== wait.patchId)
    return {
      ok: false,
      message: `deployment ${wait.deploymentId} waits for approval of patch ${wait.patchId}, not ${reviewedPatch}: review that one (healctl incidents show ${doc._id})`,
    };
  return { ok: true, deploymentId: wait.deploymentId, patchId: wait.patchId, environment: wait.environment };
}

export const MAX_REASON_CHARS = 2000;

/** The words of a rejection, as sent: trimmed, not empty, bounded. Throws a usage error otherwise. */
export function rejectionReason(text: string): string {
  const reason = text.trim();
  if (!reason) throw new CliError('--reason must say why (it goes to the audit trail)', EXIT.usage);
  if (reason.length > MAX_REASON_CHARS)
    throw new CliError(`--reason is at most ${MAX_REASON_CHARS} characters`, EXIT.usage);
  return reason;
}

interface AnswerOptions {
  patch?: string;
  comment?: string;
  json?: boolean;
}

export function registerApprovalCommands(program: Command): void {
  program
    .command('approve <incident>')
    .description(
      'approve the deployment that waits for a person (healctl incidents show <incident> says which)',
    )
    .option('--patch <id>', 'the patch you reviewed: refused unless it is the one waiting')
    .option('--comment <text>', 'why, for the audit trail')
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: AnswerOptions) => {
      checkIds([incident, opts.patch]);
      const target = await waitingDeployment(incident, opts.patch);
      const payload: PayloadOf<'ApproveDeploymentCommand'> = {
        incidentId: incident,
        deploymentId: target.deploymentId,
        patchId: target.patchId,
        requestedBy: operator(),
        comment: opts.comment ?? null,
      };
      const eventId = await sendCommand('ApproveDeploymentCommand', payload, incident);
      report('ApproveDeploymentCommand', 'approved', payload, target.environment, eventId, opts.json);
    });

  program
    .command('reject <incident>')
    .description('refuse the deployment that waits for a person, saying why')
    .requiredOption('--reason <text>', 'why the patch must not be deployed')
    .option('--patch <id>', 'the patch you reviewed: refused unless it is the one waiting')
    .option('--comment <text>', 'more context, for the audit trail')
    .option('--json', 'machine-readable output')
    .action(async (incident: string, opts: AnswerOptions & { reason: string }) => {
      checkIds([incident, opts.patch]);
      const reason = rejectionReason(opts.reason);
      const target = await waitingDeployment(incident, opts.patch);
      const payload: PayloadOf<'RejectDeploymentCommand'> = {
        incidentId: incident,
        deploymentId: target.deploymentId,
        patchId: target.patchId,
        reason,
        requestedBy: operator(),
        comment: opts.comment ?? null,
      };
      const eventId = await sendCommand('RejectDeploymentCommand', payload, incident);
      report('RejectDeploymentCommand', 'rejected', payload, target.environment, eventId, opts.json);
    });
}

/** The deployment the answer is about, read from the projection; refused (exit 1) when nothing waits for it. */
async function waitingDeployment(
  incident: string,
  reviewedPatch: string | undefined,
): Promise<Extract<ApprovalDecision, { ok: true }>> {
  const doc = await withMongo(async (db) =>
    (await new ProjectionCatalog(db).collection()).findOne({ _id: incident }),
  );
  if (!doc)
    throw new CliError(`no incident ${incident} in the projection (is the projector running?)`, EXIT.usage);
  const decision = decideApproval(doc, reviewedPatch);
  if (!decision.ok) throw new CliError(decision.message, EXIT.failure);
  return decision;
}

function operator(): string {
  return `user:${process.env.USER ?? 'unknown'}`;
}

function report(
  sent: string,
  verb: string,
  payload: { incidentId: string; deploymentId: string; patchId: string },
  environment: string,
  eventId: string,
  json: boolean | undefined,
): void {
  if (json) return printJson({ sent, ...payload, eventId });
  process.stdout.write(
    `${verb} deployment ${payload.deploymentId} of patch ${payload.patchId} to ${environment} for ${payload.incidentId} (command ${eventId})\n` +
      `follow it: healctl incidents show ${payload.incidentId}\n`,
  );
}

function reasonsText(reasons: ReadonlyArray<{ code: string; message: string } | string>): string {
  return reasons.map((r) => (typeof r === 'string' ? r : `${r.code}: ${r.message}`)).join('; ');
}
