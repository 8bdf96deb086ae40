import { createHash } from 'node:crypto';
import type { PayloadOf } from '@self-healing/schemas';
import { rejection, insertOnce } from '@self-healing/shared';
import type { DeploymentBeat } from '../service/deps.js';
import type { DeploymentCase } from '../service/case.js';

/**
 * Beat 1. Accepts a passed validation (ValidationCompleted) or `healctl deploy` (DeployFixCommand); a verdict other
 * than passed is refused here, since nothing unproven goes to production. Writes the case file once (insert-to-win);
 * the deployment id is the hash of the patch and the environment, so the same request gives the same id.
 */
export const deployRequested: DeploymentBeat<'deployRequested'> = async ({ runId, cause }, deps) => {
  let patchId: string;
  let validationId: string;
  let incidentId = cause.meta.incidentId;
  let trigger: 'upstream_event' | 'command';
  let requestedBy: string;
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
    deploymentId: `dp-${createHash('sha256').update(`${patchId}\n${environment}`).digest('hex').slice(0, 16)}`,
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
