import type { DetectBeat } from '../service/deps.js';
import { validateDetectionTrigger } from '../service/validate.js';

/** Beat 1. Reads the command or the parse run's completion; decides what to detect; writes it, or why not. */
export const detectAnomaliesRequested: DetectBeat<'detectAnomaliesRequested'> = async ({ cause, runId }) => {
  const v = validateDetectionTrigger(cause, runId);
  if (!v.ok)
    return {
      event: {
        type: 'AnomalyDetectionRejected',
        payload: { reasons: v.reasons, commandType: cause.meta.type, commandId: cause.meta.eventId },
      },
    };
  return { event: { type: 'AnomalyDetectionRequested', payload: v.requested } };
};
