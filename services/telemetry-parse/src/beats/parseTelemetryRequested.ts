import type { ParseBeat } from '../service/deps.js';
import { resolveUnderRoot } from '../service/sources.js';
import { validateParseCommand } from '../service/validate.js';

/** Beat 1. Reads the command; decides whether it can be parsed; writes the run's parameters or every reason not. */
export const parseTelemetryRequested: ParseBeat<'parseTelemetryRequested'> = async (
  { cause },
  { settings },
) => {
  const verdict = await validateParseCommand(cause, {
    defaultWindowMs: settings.defaultWindowMs,
    rawTopic: settings.rawTopic,
    isUnderLogRoot: async (p) =>
      resolveUnderRoot(settings.logRoot, p).then(
        () => null,
        (e: Error & { code?: string }) => ({ code: e.code ?? 'bad-path', message: e.message }),
      ),
  });
  if (!verdict.ok)
    return {
      event: {
        type: 'TelemetryParseRejected',
        payload: { reasons: verdict.reasons, commandType: cause.meta.type, commandId: cause.meta.eventId },
      },
    };
  return { event: { type: 'TelemetryParseRequested', payload: verdict.requested } };
};
