import type { PayloadOf } from '@self-healing/schemas';
import { rejection, insertOnce } from '@self-healing/shared';
import type { LearningBeat } from '../service/deps.js';
import type { LearningCase } from '../service/case.js';

/**
 * Beat 1. Accepts a completed deployment (DeploymentCompleted) or `TrackEffectivenessCommand`; a deployment the
 * platform does not know is refused. Writes the case file once (insert-to-win). A rolled-back deployment is
 * tracked too, with nothing to observe: its canary already judged it, and the models must learn that.
 */
export const trackRequested: LearningBeat<'trackRequested'> = async ({ runId, cause }, deps) => {
  let deploymentId: string;
  let observeForMs = deps.settings.observeForMs;
  let trigger: 'upstream_event' | 'command';
  let requestedBy: string;
  if (cause.meta.type === 'DeploymentCompleted') {
    const p = cause.payload as PayloadOf<'DeploymentCompleted'>;
    deploymentId = p.deploymentId;
    if (p.rollbackOf)
      return rejected(
        cause,
        'not-a-fix',
        `deployment ${p.deploymentId} took out the fix of ${p.rollbackOf}: there is no fix of its own to track`,
        'deploymentId',
      );
    if (p.outcome === 'rolled_back') observeForMs = 0;
    trigger = 'upstream_event';
    requestedBy = 'stage:deployment.deploy';
  } else if (cause.meta.type === 'TrackEffectivenessCommand') {
    const p = cause.payload as PayloadOf<'TrackEffectivenessCommand'>;
    deploymentId = p.deploymentId;
    observeForMs = p.observeForMs ?? observeForMs;
    trigger = 'command';
    requestedBy = p.requestedBy;
  } else {
    return rejected(cause, 'unexpected-trigger', `${cause.meta.type} cannot start tracking`);
  }
  const deployment = await deps.db
    .collection<{ deploymentId: string; incidentId: string }>('deployment_cases')
    .findOne({ deploymentId });
  if (!deployment)
    return rejected(cause, 'unknown-deployment', `no deployment ${deploymentId} is known`, 'deploymentId');
  const file: LearningCase = {
    _id: runId,
    incidentId: deployment.incidentId,
    deploymentId,
    observeForMs,
    requestedBy,
  };
  await insertOnce(deps.cases, file);
  const c = await deps.caseOf(runId);
  return {
    event: {
      type: 'EffectivenessTrackingRequested',
      payload: {
        deploymentId: c.deploymentId,
        observeForMs: c.observeForMs,
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
  return rejection('EffectivenessTrackingRejected' as const, cause, [{ code, message, field }]);
}
