import { createHash } from 'node:crypto';
import type { PayloadOf } from '@self-healing/schemas';
import { rejection, insertOnce } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import type { DeploymentCase, RollbackRequest } from '../service/case.js';

/**
 * Beat 1. Accepts a passed validation (ValidationCompleted) or `healctl deploy` (DeployFixCommand); a verdict other
 * than passed is refused here, since nothing unproven goes to production. Writes the case file once (insert-to-win);
 * the deployment id is the hash of the patch and the environment, so the same request gives the same id. A
 * RollbackDeploymentCommand starts a rollback instead: the merged fix of a promoted deployment taken out again by the
 * same beats (a revert commit, its pull request, CI, merge and canary).
 */
export const deployRequested: DeploymentBeat<'deployRequested'> = async ({ runId, cause }, deps) => {
  let patchId: string;
  let validationId: string;
  let incidentId = cause.meta.incidentId;
  let trigger: 'upstream_event' | 'command';
  let requestedBy: string;
  let rollbackOf: RollbackRequest | undefined;
  const environment = deps.settings.environment;
  if (cause.meta.type === 'ValidationCompleted') {
    const p = cause.payload as PayloadOf<'ValidationCompleted'>;
    if (p.verdict !== 'passed')
      return rejected(
        cause,
        'validation-not-passed',
        `validation ${p.validationId} of patch ${p.patchId} is ${p.verdict}: only a passed fix is deployed`,
      );
    ({ patchId, validationId } = p);
    trigger = 'upstream_event';
    requestedBy = 'stage:validation.run';
  } else if (cause.meta.type === 'DeployFixCommand') {
    const p = cause.payload as PayloadOf<'DeployFixCommand'>;
    ({ patchId, validationId, incidentId } = p);
    if (p.environment && p.environment !== environment)
      return rejected(
        cause,
        'other-environment',
        `this consumer deploys to ${environment}, not ${p.environment}`,
        'environment',
      );
    trigger = 'command';
    requestedBy = p.requestedBy;
  } else if (cause.meta.type === 'RollbackDeploymentCommand') {
    const p = cause.payload as PayloadOf<'RollbackDeploymentCommand'>;
    incidentId = p.incidentId;
    const fix = await deps.cases.findOne({
      deploymentId: p.deploymentId,
      incidentId,
      rollbackOf: { $exists: false },
    });
    if (!fix)
      return rejected(
        cause,
        'unknown-deployment',
        `no deployment ${p.deploymentId} of ${incidentId}`,
        'deploymentId',
      );
    const promoted =
      fix.merge &&
      fix.rollout &&
      !fix.rollout.failure &&
      fix.verification?.healthy &&
      !fix.verification.rolledBack;
    // One rollback per deployment: the merge stays in the branch's history after a revert, so a second one would
    // apply the reversed diff to code that no longer has it.
    const earlier = await deps.cases.findOne({
      'rollbackOf.deploymentId': p.deploymentId,
      _id: { $ne: runId },
    });
    if (earlier)
      return rejected(
        cause,
        'already-rolled-back',
        `deployment ${p.deploymentId} was rolled back before (deployment ${earlier.deploymentId})`,
        'deploymentId',
      );
    if (!promoted)
      return rejected(
        cause,
        'nothing-to-roll-back',
        `deployment ${p.deploymentId} did not promote its fix (${fix.verification?.rollbackReason ?? 'not merged and deployed'}): there is nothing of it serving`,
        'deploymentId',
      );
    ({ patchId, validationId } = fix);
    trigger = 'command';
    requestedBy = p.requestedBy;
    rollbackOf = {
      deploymentId: p.deploymentId,
      runId: fix._id,
      mergeCommit: fix.merge!.mergeCommit,
      pullRequestUrl: fix.pullRequest?.url ?? null,
      reason: p.reason,
      nextCandidate: p.nextCandidate,
    };
  } else {
    return rejected(cause, 'unexpected-trigger', `${cause.meta.type} cannot start a deployment`);
  }
  const file: DeploymentCase = {
    _id: runId,
    incidentId,
    patchId,
    validationId,
    environment,
    requestedBy,
    deploymentId: `dp-${createHash('sha256')
      .update(rollbackOf ? `rollback\n${rollbackOf.deploymentId}` : `${patchId}\n${environment}`)
      .digest('hex')
      .slice(0, 16)}`,
    ...(rollbackOf ? { rollbackOf } : {}),
  };
  await insertOnce(deps.cases, file);
  const c = await deps.caseOf(runId);
  return {
    event: {
      type: 'DeploymentRequested',
      payload: {
        deploymentId: c.deploymentId,
        patchId: c.patchId,
        validationId: c.validationId,
        environment: c.environment,
        strategy: 'canary',
        trigger,
        requestedBy: c.requestedBy,
        rollbackOf: c.rollbackOf?.deploymentId ?? null,
      },
    },
  };
};

export function rejected(
  cause: { meta: { type: string; eventId: string } },
  code: string,
  message: string,
  field: string | null = null,
) {
  return rejection('DeploymentRejected' as const, cause, [{ code, message, field }]);
}
