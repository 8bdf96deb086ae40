import type { Db } from 'mongodb';
import type { WindowAggregate } from '@self-healing/schemas';
import { TelemetryProgress } from '@self-healing/shared';
import {
  RunWindowsStore,
  TelemetryStore,
  runDocument,
  type RunDocument,
} from '@self-healing/telemetry-parse';

/**
 * Stores window aggregates as a finished parse run does (telemetry-parse's store beat): one contribution per window
 * in `telemetry_aggregates`, the run's packed copy that later stages read, the services' progress, and last the run's
 * document, which is what makes the run visible to readers.
 */
export async function storeAsParseRun(
  db: Db,
  runId: string,
  aggregates: readonly WindowAggregate[],
): Promise<void> {
  await new TelemetryStore(db).storeAggregates(runId, aggregates);
  await new RunWindowsStore(db).write(runId, aggregates);
  await new TelemetryProgress(db).advance(runId, aggregates);
  const templates = new Set(aggregates.map((a) => `${a.service}|${a.templateId}`)).size;
  await db
    .collection<RunDocument>('telemetry_runs')
    .replaceOne({ _id: runId }, runDocument(runId, aggregates, templates, new Date()), { upsert: true });
}
