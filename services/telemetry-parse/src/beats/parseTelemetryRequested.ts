import { checkKafkaSource } from '@self-healing/shared';
import type { ParseBeat } from '../service/deps.js';
import { resolveUnderRoot } from '../service/sources.js';
import { validateParseCommand } from '../service/validate.js';

/** Beat 1. Reads the command; decides whether it can be parsed; writes the run's parameters or every reason not. */
export const parseTelemetryRequested: ParseBeat<'parseTelemetryRequested'> = async (
  { cause },
  { settings, kafka, topics },
) => {
  // Our own topics (stage events, commands, dead letters) are no telemetry; the raw topic is.
  const platformTopics = new Set(Object.values(topics).filter((t) => t !== settings.rawTopic));
  const verdict = await validateParseCommand(cause, {
    defaultWindowMs: settings.defaultWindowMs,
    rawTopic: settings.rawTopic,
    isUnderLogRoot: async (p) =>
      resolveUnderRoot(settings.logRoot, p).then(
        () => null,
        (e: Error & { code?: string }) => ({ code: e.code ?? 'bad-path', message: e.message }),
      ),
    kafkaSourceProblems: (topic, partitions) => checkKafkaSource(kafka, topic, partitions, platformTopics),
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
