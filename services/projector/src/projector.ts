import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  ConsumerLoop,
  RegistryCodec,
  readTopic,
  type EventCodec,
  type Logger,
  type Metrics,
} from '@self-healing/shared';
import { toIncidentState } from './incidentState.js';
import { BufferedProjection, ProjectionCatalog, applyEvent } from './store.js';
import type { IncidentDoc } from './evolve.js';

export interface ProjectorOptions {
  kafka: Kafka;
  db: Db;
  codec: EventCodec;
  logger: Logger;
  metrics?: Metrics;
  /** Every topic whose events describe incidents: the stage topics and the incidents topic. */
  topics: string[];
  dlqTopic: string;
  groupId?: string;
  transactionalId: string;
  sessionTimeoutMs?: number;
  /** One event's projection takes milliseconds; an attempt still running after this is abandoned and retried. */
  attemptTimeoutMs?: number;
  /** Messages of a partition committed in one transaction (default 100). */
  commitEvery?: number;
  /** The compacted topic that gets each incident's current state after every change, and its schema. */
  incidentState?: { topic: string; subject: string; schema: object; incidentsTopic: string };
}

/** The live projector: consumes every stage topic into the current incidents collection. */
export function createProjector(opts: ProjectorOptions): ConsumerLoop {
  const projection = new BufferedProjection(new ProjectionCatalog(opts.db));
  return new ConsumerLoop({
    kafka: opts.kafka,
    service: 'projector',
    groupId: opts.groupId ?? 'projector',
    topics: opts.topics,
    transactionalId: opts.transactionalId,
    dlqTopic: opts.dlqTopic,
    logger: opts.logger,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
    // Applying an event is idempotent (the incident's seq checkpoint), so a stalled dependency (a registry lookup,
    // a database call that never answers) costs a retry instead of stopping the projection without a word.
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 60_000,
    // Every stage's events pass through here, parse and detection runs' included (dozens a minute): one
    // transaction per message kept it minutes behind the stages on a loaded machine, so a batch shares one.
    commitEvery: opts.commitEvery ?? 100,
    // The documents a commit's events changed are written once each, just before its offsets are committed.
    beforeCommit: () => projection.flush(),
    handle: async (input) => {
      if (!input.message.value) return { outputs: [] };
      const event = await opts.codec.decode(input.message.value);
      const { doc } = await projection.apply(event, input.topic);
      const target = opts.incidentState;
      // A redelivered event (its commit failed after the write) publishes the current state again: the state
      // record it should have produced may be the one that was lost, and readers go by `version`.
      if (!target || input.topic !== target.incidentsTopic || !(opts.codec instanceof RegistryCodec))
        return { outputs: [] };
      const state = doc ? toIncidentState(doc) : null;
      if (!state) return { outputs: [] };
      // Produced with the offset commit: the compacted topic never misses a change (a copy of the same version may
      // follow a redelivery; it says nothing new).
      return {
        outputs: [
          {
            topic: target.topic,
            key: state.incidentId,
            value: await opts.codec.encodeRecord(target.subject, target.schema, state),
          },
        ],
      };
    },
  });
}

export interface ReplayResult {
  collection: string;
  version: number;
  events: number;
  incidents: number;
  dropped: string;
}

/**
 * Rebuilds the projection from offset zero into a new versioned collection, switches reads to it, catches up
 * once more with what the live projector wrote to the old one meanwhile (idempotent: checkpoints skip what is
 * there), then drops the old collection.
 */
export async function replayProjection(
  opts: Pick<ProjectorOptions, 'kafka' | 'db' | 'codec' | 'logger' | 'topics'>,
): Promise<ReplayResult> {
  const catalog = new ProjectionCatalog(opts.db);
  const old = await catalog.current();
  const version = old.version + 1;
  const name = `incidents_v${version}`;
  const target = opts.db.collection<IncidentDoc>(name);
  await target.drop().catch(() => undefined); // a replay that died half-way left this behind
  let events = 0;
  const pass = async () => {
    for (const topic of opts.topics) {
      await readTopic(opts.kafka, topic, {
        onMessage: async (m) => {
          if (!m.value) return;
          try {
            const event = await opts.codec.decode(m.value);
            if ((await applyEvent(target, event, topic)) === 'applied') events++;
          } catch (error) {
            opts.logger.warn(
              { topic, offset: m.offset, err: String(error) },
              'replay skipped an undecodable record',
            );
          }
        },
      });
    }
  };
  await pass();
  await catalog.switchTo(name, version);
  await pass();
  await opts.db
    .collection(old.collection)
    .drop()
    .catch(() => undefined);
  const incidents = await target.countDocuments();
  opts.logger.info({ collection: name, events, incidents }, 'projection replayed');
  return { collection: name, version, events, incidents, dropped: old.collection };
}
