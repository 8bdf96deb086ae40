import type { Finding } from '@self-healing/schemas';
import { signatureOfIssue } from '@self-healing/diagnosis';
import type { LearningBeat, LearningDeps } from '../service/deps.js';
import type { LearningCase, LoadedDeployment, TimeRange } from '../service/case.js';

interface DeploymentCaseView {
  incidentId: string;
  patchId: string;
  pullRequest?: { url: string };
  rollout?: { finishedAt: number; version: string; commit: string };
  verification?: { rolledBack: boolean; healthy: boolean; finishedAt?: number };
  loaded?: { service: string; strategy: string; remedyKind: string };
}

/**
 * Beat 2. The deployment (as deployment.deploy recorded it), the incident and its findings (as anomaly-detect
 * stored them), the diagnosis' remedy and fault signature, and the three windows the comparison uses: the baseline
 * before the incident's onset, the incident until the fix served everyone (its canary's promotion), and the
 * observation after that (less its settling).
 */
export const loadDeploymentInfo: LearningBeat<'loadDeploymentInfo'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.loaded) c = await deps.record(runId, 'loaded', await load(deps, c));
  const l = c.loaded!;
  return {
    event: {
      type: 'DeploymentInfoLoaded',
      payload: {
        deploymentId: c.deploymentId,
        patchId: l.patchId,
        pullRequestUrl: l.pullRequestUrl,
        deployedAt: l.deployedAt,
        version: l.version,
        services: l.services,
        findingIds: l.findings.map((f) => f.id),
        baselineWindow: l.baseline,
      },
    },
  };
};

async function load(deps: LearningDeps, c: LearningCase): Promise<LoadedDeployment> {
  const d = await deps.db
    .collection<DeploymentCaseView>('deployment_cases')
    .findOne({ deploymentId: c.deploymentId });
  if (!d?.rollout) throw new Error(`deployment ${c.deploymentId} has no rollout recorded`);
  const incident = await deps.db
    .collection<{ service?: string; openedAt?: number; findingIds?: string[] }>('anomaly_incidents')
    .findOne({ _id: c.incidentId as never });
  let findings = (
    await deps.db
      .collection<Finding & { _id: string }>('anomaly_findings')
      .find({ _id: { $in: incident?.findingIds ?? [] } })
      .toArray()
  ).map(({ _id, ...f }) => ({ ...f, id: f.id ?? _id }) as Finding);
  // An incident anomaly-detect did not store here (its event came from elsewhere): the findings diagnosis received.
  if (findings.length === 0)
    findings =
      (
        await deps.db
          .collection<{ findings?: Finding[] }>('diagnosis_cases')
          .findOne({ _id: c.incidentId as never }, { projection: { findings: 1 } })
      )?.findings ?? [];
  const patch = await deps.db
    .collection<{ diagnosisId?: string; diff?: string; chosen?: { strategy: string; remedyId?: string } }>(
      'patches',
    )
    .findOne({ _id: d.patchId as never });
  const diagnosis = patch?.diagnosisId
    ? await deps.db
        .collection<{
          issues?: Array<Parameters<typeof signatureOfIssue>[0] & { id?: string }>;
          recommendations?: Array<{ id: string; issueId: string }>;
          remedyKinds?: Record<string, string>;
        }>('diagnoses')
        .findOne({ _id: patch.diagnosisId as never })
    : null;
  const onset = findings.length
    ? Math.min(...findings.map((f) => f.since))
    : (incident?.openedAt ?? d.rollout.finishedAt);
  const deployedAt = d.rollout.finishedAt;
  // The fix serves everyone from its promotion: during the canary the faulty version still served the rest, so the
  // observation starts there (the canary's minutes count as the incident's).
  const servesAllFrom = Math.max(deployedAt, d.verification?.finishedAt ?? deployedAt);
  const { settleMs, baselineMs } = deps.settings;
  // The issue the chosen remedy was for: its signature is what the remedy's outcome teaches about.
  const remedyId = patch?.chosen?.remedyId;
  const issueId = diagnosis?.recommendations?.find((r) => r.id === remedyId)?.issueId;
  const issue =
    diagnosis?.issues?.find((i) => i.id !== undefined && i.id === issueId) ?? diagnosis?.issues?.[0];
  const kindOfRemedy = patch?.chosen?.remedyId ? diagnosis?.remedyKinds?.[patch.chosen.remedyId] : undefined;
  return {
    patchId: d.patchId,
    deploymentOutcome:
      d.verification?.rolledBack || d.verification?.healthy === false ? 'rolled_back' : 'deployed',
    pullRequestUrl: d.pullRequest?.url ?? null,
    deployedAt,
    version: d.rollout.version || d.rollout.commit,
    services: [
      ...new Set(
        [incident?.service, d.loaded?.service, ...findings.map((f) => f.service)].filter(
          (s): s is string => !!s,
        ),
      ),
    ].sort(),
    findings,
    onset,
    detectedAt: incident?.openedAt ?? onset,
    baseline: { from: onset - baselineMs, until: onset },
    during: { from: onset, until: Math.max(onset + 1, servesAllFrom) },
    after: { from: servesAllFrom + settleMs, until: servesAllFrom + Math.max(settleMs + 1, c.observeForMs) },
    sameHoursBefore: sameHoursBefore(
      { from: servesAllFrom + settleMs, until: servesAllFrom + Math.max(settleMs + 1, c.observeForMs) },
      onset,
    ),
    remedyKind: kindOfRemedy ?? d.loaded?.remedyKind ?? 'unknown',
    strategy: patch?.chosen?.strategy ?? d.loaded?.strategy ?? 'unknown',
    signatureKeys: issue ? signatureOfIssue(issue) : [findings[0]?.kind ?? 'unknown'],
    files: filesOf(patch?.diff ?? ''),
  };
}

/** Repository paths a unified diff changes. */
export function filesOf(diff: string): string[] {
  const files = new Set<string>();
  for (const m of diff.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)) files.add(m[2]!);
  return [...files].sort();
}

const DAY = 24 * 60 * 60_000;
/** Days back the same hours are looked for. */
export const SAME_HOURS_DAYS = 7;

/** The window's hours on each of the `SAME_HOURS_DAYS` days before, those that ended before the onset. */
export function sameHoursBefore(window: TimeRange, onset: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (let day = 1; day <= SAME_HOURS_DAYS; day++) {
    const range = { from: window.from - day * DAY, until: window.until - day * DAY };
    if (range.until <= onset) out.push(range);
  }
  return out;
}
