import { remedyKinds, severities } from '@self-healing/shared/catalogue';
import type { DeploymentBeat, DeploymentDeps } from '../service/deps.js';
import { makeFixCommit } from '../change/fixCommit.js';
import type { DeploymentCase, LoadedFix, Reason } from '../service/case.js';
import type { RemedyKind, Severity, ValidationKind } from '../policy/approval.js';

interface ValidationDoc {
  validationId: string;
  incidentId: string;
  patchId: string;
  service: string | null;
  repository: string | null;
  baseCommit: string | null;
  headCommit: string | null;
  verdict: 'passed' | 'failed' | 'inconclusive';
  checks: Array<{ check: string; verdict: string; summary: string }>;
}

interface PatchDoc {
  patchId: string;
  incidentId: string;
  diagnosisId?: string;
  repository: string;
  baseCommit: string;
  diff: string;
  title: string;
  description: string;
  chosen?: { strategy: string };
  candidates?: Array<{ strategy: string; remedyKind?: string }>;
}

/**
 * Beat 2. The validation and the patch it judged, matched to each other and to the request (same patch, same
 * incident, a passed verdict), the service's catalogue entry, the incident's severity and the diagnosis' account of
 * the cause. What is wrong with them is recorded as the case's problem, which the approval beat turns into a refusal.
 */
export const loadValidationResults: DeploymentBeat<'loadValidationResults'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.loaded)
    c = await deps.record(runId, 'loaded', c.rollbackOf ? await loadRollback(deps, c) : await load(deps, c));
  const l = c.loaded!;
  return {
    event: {
      type: 'ValidationResultsLoaded',
      payload: {
        validationId: c.validationId,
        verdict: l.validation.verdict,
        checksPassed: l.validation.checks.filter((x) => x.verdict === 'passed').length,
        checksFailed: l.validation.checks.filter((x) => x.verdict !== 'passed').length,
        headCommit: l.validation.headCommit,
      },
    },
  };
};

async function load(deps: DeploymentDeps, c: DeploymentCase): Promise<LoadedFix> {
  const v = await deps.db.collection<ValidationDoc>('validations').findOne({ _id: c.validationId as never });
  const p = await deps.db.collection<PatchDoc>('patches').findOne({ _id: c.patchId as never });
  const service = v?.service ?? '';
  const entry = deps.service(service);
  const incident = await deps.db
    .collection<{ severity?: string }>('anomaly_incidents')
    .findOne({ _id: c.incidentId as never }, { projection: { severity: 1 } });
  const diagnosis = p?.diagnosisId
    ? await deps.db
        .collection<{
          issues?: Array<{ title?: string; suspects?: Array<{ commit?: string }>; location?: unknown }>;
        }>('diagnoses')
        .findOne({ _id: p.diagnosisId as never }, { projection: { issues: 1 } })
    : null;
  const lines = countLines(p?.diff ?? '');
  const checks = v?.checks ?? [];
  const passedCheck = (name: string) => checks.some((x) => x.check === name && x.verdict === 'passed');
  const proven: ValidationKind[] = [];
  if (v?.verdict === 'passed' && passedCheck('tests')) proven.push('tests', 'build');
  if (passedCheck('performance')) proven.push('replay');
  const strategy = p?.chosen?.strategy ?? 'unknown';
  const kind = p?.candidates?.find((x) => x.strategy === strategy)?.remedyKind;
  const loaded: LoadedFix = {
    service,
    repository: p?.repository ?? '',
    defaultBranch: entry?.repository.defaultBranch ?? 'main',
    baseCommit: p?.baseCommit ?? '',
    diff: p?.diff ?? '',
    title: p?.title ?? `Fix for ${c.incidentId}`,
    description: p?.description ?? '',
    remedyKind: (remedyKinds as readonly string[]).includes(kind ?? '') ? (kind as RemedyKind) : 'patch',
    strategy,
    patchLines: lines.added + lines.removed,
    filesChanged: lines.files,
    // An incident the platform does not know is treated as the most severe: a person decides.
    severity: (severities as readonly string[]).includes(incident?.severity ?? '')
      ? (incident!.severity as Severity)
      : 'critical',
    validation: {
      verdict: v?.verdict ?? 'inconclusive',
      checks: checks.map((x) => ({ check: x.check, verdict: x.verdict, summary: x.summary })),
      headCommit: v?.headCommit ?? null,
      proven,
    },
    cause: (diagnosis?.issues ?? [])
      .map((i) => i.title)
      .filter((t): t is string => typeof t === 'string')
      .slice(0, 5),
    problem: null,
  };
  loaded.problem = problemOf(deps, c, v, p, loaded);
  return loaded;
}

/**
 * A rollback's "fix": the merged fix's diff against its merge's first parent, reversed, on the default branch's head
 * as it is now; the rest (service, repository, severity) is the fix's. Nothing of it was validated: the revert
 * brings back code that served before the fix, and its pull request goes through CI like any other.
 */
async function loadRollback(deps: DeploymentDeps, c: DeploymentCase): Promise<LoadedFix> {
  const r = c.rollbackOf!;
  const fix = await deps.caseOf(r.runId);
  const l = fix.loaded!;
  const mirror = await deps.mirror(fix); // fetched: where the default branch is now
  const head = await mirror.resolve(`refs/heads/${l.defaultBranch}`);
  const base: LoadedFix = {
    ...l,
    baseCommit: head,
    diff: '',
    title: `Revert: ${l.title}`.slice(0, 200),
    description: `Takes out the fix merged as ${r.mergeCommit} (${r.pullRequestUrl ?? `deployment ${r.deploymentId}`}): ${r.reason}`,
    remedyKind: 'revert',
    strategy: 'rollback',
    validation: { verdict: l.validation.verdict, checks: [], headCommit: null, proven: [] },
    problem: null,
  };
  const refused = (code: string, message: string): LoadedFix => ({
    ...base,
    problem: { code, message, field: null },
  });
  const contains = await mirror
    .git(['merge-base', '--is-ancestor', r.mergeCommit, head])
    .then(() => true)
    .catch(() => false);
  if (!contains)
    return refused('already-reverted', `${l.defaultBranch} no longer contains ${r.mergeCommit.slice(0, 12)}`);
  const diff = await mirror.git(['diff', '--binary', r.mergeCommit, `${r.mergeCommit}^1`]);
  // Tried now, in the mirror's object store only, so that a revert that conflicts is refused with its reason instead
  // of failing the branch beat over and over.
  const tried = await makeFixCommit(mirror, {
    baseCommit: head,
    diff,
    message: 'revert check',
    at: deps.now(),
  }).catch((error: unknown) => (error as Error).message.split('\n')[0] ?? 'git apply failed');
  if (typeof tried === 'string')
    return refused('revert-conflicts', `the fix does not revert cleanly on ${head.slice(0, 12)}: ${tried}`);
  const lines = countLines(diff);
  return { ...base, diff, patchLines: lines.added + lines.removed, filesChanged: lines.files };
}

function problemOf(
  deps: DeploymentDeps,
  c: DeploymentCase,
  v: ValidationDoc | null,
  p: PatchDoc | null,
  l: LoadedFix,
): Reason | null {
  const r = (code: string, message: string, field: string | null = null): Reason => ({
    code,
    message,
    field,
  });
  if (!v) return r('unknown-validation', `no validation ${c.validationId} is stored`, 'validationId');
  if (!p) return r('unknown-patch', `no patch ${c.patchId} is stored`, 'patchId');
  if (v.patchId !== c.patchId)
    return r(
      'validation-of-another-patch',
      `validation ${c.validationId} judged ${v.patchId}, not ${c.patchId}`,
      'validationId',
    );
  if (p.incidentId !== c.incidentId || v.incidentId !== c.incidentId)
    return r(
      'fix-of-another-incident',
      `patch ${c.patchId} was made for ${p.incidentId}, not ${c.incidentId}`,
      'patchId',
    );
  if (v.verdict !== 'passed')
    return r(
      'validation-not-passed',
      `validation ${c.validationId} is ${v.verdict}: only a passed fix is deployed`,
    );
  if (v.baseCommit && v.baseCommit !== p.baseCommit)
    return r('base-mismatch', `the validation ran on ${v.baseCommit}, the patch is on ${p.baseCommit}`);
  if (!deps.service(l.service))
    return r('unknown-service', `service ${JSON.stringify(l.service)} is not in the catalogue`, 'service');
  if (!deps.repoRef(p.repository))
    return r(
      'repository-not-on-forge',
      `${p.repository} is not a repository on the platform's forge`,
      'repository',
    );
  return null;
}

/** Lines added and removed, and files touched, by a unified diff. */
export function countLines(diff: string): { added: number; removed: number; files: number } {
  let added = 0;
  let removed = 0;
  let files = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) files++;
    else if (line.startsWith('+') && !line.startsWith('+++ ')) added++;
    else if (line.startsWith('-') && !line.startsWith('--- ')) removed++;
  }
  return { added, removed, files };
}
