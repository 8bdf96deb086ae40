import { DetectionEventStore, TelemetryProgress } from '@self-healing/shared';
import { templatesOf, type ParseBeat } from '../service/deps.js';
import { RunWindowsStore, runDocument, type RunDocument } from '../service/stores.js';
import { DURATION_FIELD } from '../aggregate/windows.js';

/** Beat 6. Templates, the run's window aggregates and (if configured) raw events, all by key: twice is a no-op. */
export const storeTelemetryDatabase: ParseBeat<'storeTelemetryDatabase'> = async (
  { runId, earlier, effects },
  deps,
) => {
  const aggregates = await deps.aggregatesOf(runId);
  const { events } = await deps.normalizedOf(runId, earlier.TelemetryParseRequested);
  // What behavioural and error detection need besides aggregates: events of a session or trace, and errors. And
  // every timed line: a step logged without its request's trace (a shared component's logger) is how diagnosis
  // finds where a slowed request's time went (diagnosis' innerStep.ts); few lines are timed and untraced.
  const forDetection = events.filter(
    (e) =>
      e.traceId !== null ||
      e.sessionId !== null ||
      e.stack.length > 0 ||
      e.level === 'error' ||
      e.level === 'fatal' ||
      e.numbers[DURATION_FIELD] !== undefined,
  );
  const templates = templatesOf(aggregates);
  // Independent collections, written at once: this thread packs the events while the server stores the rest.
  const indexed = deps.indexesOnce();
  const [, , , aggregatesWritten] = await Promise.all([
    deps.detectionEvents.write(runId, forDetection),
    deps.runWindows.write(runId, aggregates),
    indexed.then(() => deps.store.storeTemplates(runId, templates)),
    indexed.then(() => deps.store.storeAggregates(runId, aggregates)),
  ]);
  // After the windows themselves: readers waiting for a service's telemetry (learning) ask this, not the aggregates.
  await new TelemetryProgress(deps.db).advance(runId, aggregates);
  // Counts are of what this run writes, the same on every attempt (not what an interrupted attempt wrote).
  const writes = [
    { collection: 'telemetry_templates', written: templates.length, unchanged: 0 },
    { collection: 'telemetry_aggregates', written: aggregatesWritten, unchanged: 0 },
    { collection: DetectionEventStore.COLLECTION, written: forDetection.length, unchanged: 0 },
    { collection: RunWindowsStore.COLLECTION, written: aggregates.length, unchanged: 0 },
  ];
  if (deps.settings.storeRawEvents) {
    const r = await deps.store.storeRawEvents(runId, events, deps.settings.rawRetentionDays, Date.now());
    writes.push({ collection: 'telemetry_events', written: r.written, unchanged: 0 });
  }
  await effects.once('run-document', async () => {
    const doc = runDocument(runId, aggregates, templates.length, new Date());
    await deps.db.collection<RunDocument>('telemetry_runs').replaceOne({ _id: runId }, doc, { upsert: true });
    return true;
  });
  return {
    event: { type: 'TelemetryStored', payload: { run: { collection: 'telemetry_runs', id: runId }, writes } },
  };
};
