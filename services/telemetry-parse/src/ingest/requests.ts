import type { Kafka } from 'kafkajs';
import { buildCommand, type OffsetRange, type RegistryCodec } from '@self-healing/shared';
import type { ShipResult } from './ship.js';

/** One parse run to request: exact offset ranges of the raw topic, optionally limited to some services. */
export interface ParseRequest {
  runId: string;
  ranges: OffsetRange[];
  services: string[];
  windowMs: number | null;
  comment: string;
}

/**
 * Sends parse commands for `requests` over `topic`, in one produce call. A command's envelope id is derived from
 * its run id (the run is the command's incident, seq 1), and the telemetry stage skips a trigger for a run it
 * already has: sending a request again under the same run id parses nothing twice.
 */
export async function sendParseCommands(
  kafka: Kafka,
  codec: RegistryCodec,
  commandsTopic: string,
  topic: string,
  requests: readonly ParseRequest[],
  requestedBy = 'service:healctl',
): Promise<void> {
  if (requests.length === 0) return;
  const messages = await Promise.all(
    requests.map(async (r) => ({
      key: r.runId,
      value: await codec.encode(
        buildCommand(
          'ParseTelemetryCommand',
          {
            runId: r.runId,
            source: { kind: 'kafka', topic, partitions: r.ranges, paths: [] },
            services: r.services,
            timeRange: null,
            windowMs: r.windowMs,
            formats: [],
            requestedBy,
            comment: r.comment,
          },
          r.runId,
          'healctl',
        ),
      ),
      headers: { 'event-type': 'ParseTelemetryCommand' },
    })),
  );
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({ topic: commandsTopic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends one parse command over exactly `shipped.ranges`, outside the ledger of parse requests (benchmarks, tests
 * and the demo, on topics of their own). `healctl ship --parse` goes through the ledger instead.
 */
export async function requestParse(
  kafka: Kafka,
  codec: RegistryCodec,
  commandsTopic: string,
  runId: string,
  shipped: ShipResult,
  opts: { service?: string; services?: string[]; windowMs?: number; comment?: string },
): Promise<void> {
  await sendParseCommands(kafka, codec, commandsTopic, shipped.topic, [
    {
      runId,
      ranges: shipped.ranges,
      services: opts.services ?? (opts.service ? [opts.service] : []),
      windowMs: opts.windowMs ?? null,
      comment: opts.comment ?? `ship of ${shipped.files.length} file(s)`,
    },
  ]);
}
