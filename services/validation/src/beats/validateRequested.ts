import { createHash } from 'node:crypto';
import type { PayloadOf } from '@self-healing/schemas';
import { rejection, insertOnce } from '@self-healing/shared';
import { sweep, type ValidationBeat } from '../service/deps.js';

/** A run folder untouched this long belongs to a run that will not come back for it. */
const SWEEP_AFTER_MS = 24 * 3_600_000;
import type { Check, ValidationCase } from '../service/case.js';

/** Every check, in the order the beats run them. */
export const ALL_CHECKS: Check[] = ['tests', 'coverage', 'performance', 'documentation'];

/**
 * Beat 1. Accepts a patch fix.generate announced (one that passed its syntax and type check) or one named by
 * `healctl validate`; refuses an unknown patch or one that did not check, since running it proves nothing. Writes
 * the case file once (insert-to-win); the validation id is the hash of the incident, the patch and the checks, so
 * the same request gives the same id. Leftovers of runs that never reached a verdict are swept here.
 */
export const validateRequested: ValidationBeat<'validateRequested'> = async ({ runId, cause }, deps) => {
  let patchId: string;
  let trigger: 'upstream_event' | 'command';
  let requestedBy: string;
  let incidentId: string;
  if (cause.meta.type === 'FixGenerationCompleted') {
    const p = cause.payload as PayloadOf<'FixGenerationCompleted'>;
    if (!p.syntaxValid)
      return rejected(
        cause,
        'patch-does-not-check',
        `patch ${p.patchId} failed its syntax check: nothing to run`,
      );
    patchId = p.patchId;
    incidentId = cause.meta.incidentId;
    trigger = 'upstream_event';
    requestedBy = 'stage:fix.generate';
  } else if (cause.meta.type === 'ValidateFixCommand') {
    const p = cause.payload as PayloadOf<'ValidateFixCommand'>;
    patchId = p.patchId;
    incidentId = p.incidentId;
    trigger = 'command';
    requestedBy = p.requestedBy;
  } else {
    return rejected(cause, 'unexpected-trigger', `${cause.meta.type} cannot start a validation`);
  }
  await sweep(deps.settings.workDir, SWEEP_AFTER_MS).catch(() => undefined);
  const known = await deps.db.collection('patches').countDocuments({ _id: patchId as never });
  if (known === 0) return rejected(cause, 'unknown-patch', `no patch ${patchId} is stored`, 'patchId');
  const checks = ALL_CHECKS;
  const file: ValidationCase = {
    _id: runId,
    incidentId,
    patchId,
    checks,
    validationId: `va-${createHash('sha256')
      .update(`${patchId}\n${checks.join(',')}`)
      .digest('hex')
      .slice(0, 16)}`,
  };
  await insertOnce(deps.cases, file);
  const c = await deps.caseOf(runId);
  return {
    event: {
      type: 'ValidationRequested',
      payload: { validationId: c.validationId, patchId: c.patchId, checks: c.checks, trigger, requestedBy },
    },
  };
};

function rejected(
  cause: { meta: { type: string; eventId: string } },
  code: string,
  message: string,
  field: string | null = null,
) {
  return rejection('ValidationRejected' as const, cause, [{ code, message, field }]);
}
