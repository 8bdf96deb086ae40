import type { IncidentState } from '@self-healing/schemas';
import type { IncidentDoc } from './evolve.js';

type Opened = {
  title: string;
  severity: IncidentState['severity'];
  kinds: IncidentState['kinds'];
  services: string[];
  timeRange: { from: number; until: number };
  findings: unknown[];
};

/**
 * The current state of an incident as other teams read it from the compacted incidents.state topic. Only
 * documents of real incidents (opened by anomaly.detect) have one; parse and detection runs do not.
 */
export function toIncidentState(doc: IncidentDoc): IncidentState | null {
  const opened = doc.outputs.IncidentOpened as Opened | undefined;
  if (!opened) return null;
  const updated = doc.outputs.IncidentUpdated as (Partial<Opened> & { findingCount?: number }) | undefined;
  const reopened = doc.outputs.IncidentReopened as (Partial<Opened> & { reopenCount?: number }) | undefined;
  const resolved = doc.outputs.IncidentResolved as { resolution: IncidentState['resolution'] } | undefined;
  const last = doc.timeline.at(-1)!;
  // Closed by its owners (IncidentResolved), or healed: learning.track measured the fix resolving it.
  const tracked = doc.outputs.EffectivenessTrackingCompleted as { resolvesIncident?: boolean } | undefined;
  const resolvedEntry = [...doc.timeline]
    .reverse()
    .find(
      (t) =>
        t.event === 'IncidentResolved' ||
        (t.event === 'EffectivenessTrackingCompleted' && tracked?.resolvesIncident === true),
    );
  const healed = resolvedEntry?.event === 'EffectivenessTrackingCompleted';
  const latest = { ...opened, ...(updated ?? {}), ...(reopened ?? {}) };
  return {
    incidentId: doc._id,
    version: doc.version,
    status: statusOf(doc),
    title: opened.title,
    severity: latest.severity ?? opened.severity,
    kinds: latest.kinds ?? opened.kinds,
    services: latest.services ?? opened.services,
    timeRange: latest.timeRange ?? opened.timeRange,
    findingCount: updated?.findingCount ?? opened.findings.length,
    openedAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    resolvedAt: doc.status === 'resolved' ? (resolvedEntry?.endedAt ?? null) : null,
    resolution: doc.status === 'resolved' ? (healed ? 'fixed' : (resolved?.resolution ?? null)) : null,
    stage: doc.stage,
    lastEventType: last.event,
    lastEventId: last.eventId,
    diagnosisId: idIn(doc.outputs.DiagnosisRequested, 'diagnosisId'),
    patchId: idIn(doc.outputs.FixGenerationCompleted, 'patchId') ?? idIn(doc.outputs.PatchCreated, 'patchId'),
    validationId:
      idIn(doc.outputs.ValidationCompleted, 'validationId') ??
      idIn(doc.outputs.ValidationRequested, 'validationId'),
    validationVerdict: idIn(doc.outputs.ValidationCompleted, 'verdict'),
    deploymentId:
      idIn(deploymentOutput(doc, 'DeploymentRequested'), 'deploymentId') ??
      idIn(doc.outputs.IncidentResolved, 'deploymentId'),
    pullRequestUrl:
      idIn(deploymentOutput(doc, 'PullRequestCreated'), 'url') ??
      idIn(deploymentOutput(doc, 'DeploymentCompleted'), 'pullRequestUrl') ??
      idIn(doc.outputs.IncidentResolved, 'pullRequestUrl'),
    reopenCount: reopened?.reopenCount ?? 0,
  };
}

/** The status a stage gives an incident while it runs on it. */
const RUNNING: Partial<Record<string, IncidentState['status']>> = {
  'diagnosis.analyze': 'diagnosing',
  'fix.generate': 'fixing',
  'validation.run': 'validating',
  'deployment.deploy': 'deploying',
  'learning.track': 'tracking',
};

/**
 * Where the incident is in the healing pipeline: resolved; a stage running on it; stalled when the last stage
 * refused or failed (a person must act); open otherwise.
 */
function statusOf(doc: IncidentDoc): IncidentState['status'] {
  if (doc.status === 'resolved') return 'resolved';
  const last = doc.timeline.at(-1)?.event ?? '';
  if (/(Rejected|Failed)$/.test(last)) return 'stalled';
  // A run waiting for a person's approval names the command that ends the wait (checkApproval's contract); a
  // pending ApprovalChecked as the last event says the same.
  if (/Waiting$/.test(last) && waitsFor(doc.outputs[last]).includes('ApproveDeploymentCommand'))
    return 'awaiting_approval';
  if (last === 'ApprovalChecked' && idIn(doc.outputs.ApprovalChecked, 'status') === 'pending')
    return 'awaiting_approval';
  if (/Completed$/.test(last)) return 'open';
  return RUNNING[doc.stage] ?? 'open';
}

/**
 * An output of deployment.deploy's latest run only: `outputs` keeps the latest payload of each type, so a pull
 * request of an earlier deployment must not be named as the pull request of a newer one.
 */
function deploymentOutput(doc: IncidentDoc, type: string): unknown {
  const run = doc.timeline.filter((t) => t.stage === 'deployment.deploy');
  const start = run.findLastIndex((t) => t.event === 'DeploymentRequested');
  return run.slice(Math.max(start, 0)).some((t) => t.event === type) ? doc.outputs[type] : undefined;
}

function waitsFor(output: unknown): unknown[] {
  const v = (output as Record<string, unknown> | undefined)?.for;
  return Array.isArray(v) ? v : [];
}

function idIn(output: unknown, key: string): string | null {
  const v = (output as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' ? v : null;
}
