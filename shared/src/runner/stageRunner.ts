import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { AnyStateMachine } from 'xstate';
import { roundOf, roundRunId, type SequenceContext } from '@self-healing/machines';
import { buildEvent, type NewEvent, type StageEvent } from '../envelope.js';
import type { EventCodec } from '../kafka/codec.js';
import { ConsumerLoop, type InputMessage, type OutputRecord } from '../kafka/consumer.js';
import { readTopic } from '../kafka/logReader.js';
import type { Logger } from '../logger.js';
import { EffectLedger, type ScopedEffects } from '../mongo/effects.js';
import { IncidentCacheStore } from '../mongo/incidentCache.js';
import type { Metrics } from '../observability.js';
import { errorInfo } from '../errors.js';
import {
  decideOutside,
  decideStageEvent,
  runEnded,
  fold,
  type BeatRequest,
  type Decision,
  type IncidentCache,
} from './decide.js';
import { WaitStore, WakeUpScheduler } from './waits.js';

/** What a beat handler is given: the event that started the beat, the machine's context, and its tools. */
export interface BeatInput {
  incidentId: string;
  beat: BeatRequest;
  /** The event whose arrival started this beat (the trigger for the first beat). */
  cause: StageEvent;
  /** The machine's context (see SequenceContext): `outputs[eventType]` holds each earlier beat's payload. */
  context: unknown;
  effects: ScopedEffects;
  logger: Logger;
  attempt: number;
}

/** A beat's result: the event it emits on the stage topic, and optionally events for other topics. */
export interface BeatResult {
  event: NewEvent;
  /** Public events keyed by their own id (e.g. `IncidentOpened` on the incidents topic). */
  publish?: Array<{ topic: string; key: string; event: StageEvent }>;
  /** Records produced as they are, in the same transaction (e.g. undecodable telemetry to the dead-letter topic). */
  raw?: OutputRecord[];
  /**
   * Clean-up that must wait until the beat's event is committed (e.g. dropping the run's staging data): done
   * earlier, a crash before the commit would leave the retried beat without its input.
   */
  afterCommit?: () => Promise<void>;
}

export type BeatHandler = (input: BeatInput) => Promise<BeatResult>;

/** The part of the machine's context the runner reads (machines' SequenceContext). */
interface SequenceContextLike {
  waiting?: {
    seq: number;
    beat: number;
    handler: string;
    for: string[];
    until: number;
    reason: string;
  } | null;
}

export interface StageDefinition {
  /** Sequence id, e.g. `telemetry.parse`; also the stream name in event ids. */
  stage: string;
  machine: AnyStateMachine;
  /** Bump when the machine changes: cached states of another version are rebuilt from the log. */
  machineVersion: string;
  /** The state the machine is in while running the first beat (where rebuilding from the log starts). */
  firstBeatState: string;
  stageTopic: string;
  /** Topics whose events may start an incident or resume a waiting one (commands, an upstream stage's events). */
  triggerTopics: string[];
  handlers: Record<string, BeatHandler>;
  /** The event emitted when a beat is given up on, so the incident ends visibly instead of hanging. */
  failedEventType: string;
  /**
   * For a stage whose beats may wait: its Waiting event (each is stored as a wait, see WaitStore) and the topic its
   * wake-ups go to (one of the trigger topics).
   */
  waits?: { eventType: string; wakeUpTopic: string; pollMs?: number };
  /** Releases what the handlers hold (worker threads, caches); called once the runner has stopped. */
  close?: () => Promise<void>;
  /**
   * One active instance at a time (per topic prefix): the stage's state is one document every run commits whole.
   * Further instances wait as standbys on a lease and take over when the active one stops or dies.
   */
  exclusive?: boolean;
  /**
   * The run an outside event belongs to, when it is not the event's incident (the default). anomaly.detect's runs
   * are keyed by run id: a verdict on an incident starts a run of its own, keyed by the verdict.
   */
  runKeyOf?: (event: StageEvent) => string;
  /**
   * Whether an outside event may act on a run at all; false skips it before any state is read or rebuilt. For a
   * trigger the stage acts on only sometimes (diagnosis takes an incident's update only when it brings new
   * subjects and no earlier diagnosis handed a remedy on): the many it ignores then cost no read of the log and
   * announce nothing. Absent: every outside event is considered.
   */
  admits?: (event: StageEvent) => Promise<boolean>;
}

export interface StageRunnerOptions {
  definition: StageDefinition;
  kafka: Kafka;
  db: Db;
  codec: EventCodec;
  logger: Logger;
  metrics?: Metrics;
  producer: string;
  groupId?: string;
  transactionalId: string;
  dlqTopic: string;
  maxAttempts?: number;
  backoffMs?: number;
  sessionTimeoutMs?: number;
}

/**
 * Drives one XState machine per incident from the event log: consume an event, fold it into the incident's
 * state, run the beat the machine asks for, emit its event and commit the input in one transaction.
 */
export class StageRunner {
  readonly loop: ConsumerLoop;
  private readonly cache: IncidentCacheStore;
  private readonly ledger: EffectLedger;
  private readonly waits: WaitStore;
  /** For a stage whose beats wait: turns stored waits that are due into wake-up commands. */
  private scheduler: WakeUpScheduler | undefined;
  private wakeUpProducer: ReturnType<Kafka['producer']> | undefined;

  constructor(private readonly opts: StageRunnerOptions) {
    const { definition: def } = opts;
    for (const handler of Object.keys(def.handlers)) {
      if (typeof def.handlers[handler] !== 'function')
        throw new Error(`handler ${handler} is not a function`);
    }
    this.cache = new IncidentCacheStore(opts.db, def.stage);
    this.ledger = new EffectLedger(opts.db);
    this.waits = new WaitStore(opts.db);
    this.loop = new ConsumerLoop({
      kafka: opts.kafka,
      service: opts.producer,
      groupId: opts.groupId ?? `${def.stage}.runner`,
      topics: [def.stageTopic, ...def.triggerTopics],
      transactionalId: opts.transactionalId,
      dlqTopic: opts.dlqTopic,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      maxAttempts: opts.maxAttempts ?? 5,
      backoffMs: opts.backoffMs ?? 200,
      ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
      handle: (input, ctx) => this.handle(input, ctx.attempt),
      onFailure: (input, error, attempts) => this.failed(input, error, attempts),
    });
  }

  async start(): Promise<void> {
    await this.loop.start();
    const { definition: def } = this.opts;
    if (def.waits) {
      const producer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.scheduler = new WakeUpScheduler({
        waits: this.waits,
        stages: [def.stage],
        producer,
        codec: this.opts.codec,
        commandsTopic: def.waits.wakeUpTopic,
        producerName: this.opts.producer,
        logger: this.opts.logger.child({ component: 'wake-ups' }),
        ...(def.waits.pollMs ? { pollMs: def.waits.pollMs } : {}),
      });
      this.scheduler.start();
      this.wakeUpProducer = producer;
    }
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
    await this.wakeUpProducer?.disconnect().catch(() => undefined);
    await this.loop.stop();
  }

  private async handle(
    input: InputMessage,
    attempt: number,
  ): Promise<{ outputs: OutputRecord[]; afterCommit?: () => Promise<void> }> {
    const { definition: def, codec } = this.opts;
    if (!input.message.value) return { outputs: [] };
    const event = await codec.decode(input.message.value);
    const fromStage = input.topic === def.stageTopic;
    const incidentId = this.runKey(event, fromStage);
    const logger = this.opts.logger.child({
      incidentId,
      correlationId: event.meta.correlationId,
      eventId: event.meta.eventId,
      type: event.meta.type,
    });
    if (!fromStage && def.admits && !(await def.admits(event))) {
      logger.debug('not admitted by the stage');
      return { outputs: [] };
    }
    const cached = await this.cache.get(incidentId);
    let decision: Decision = fromStage
      ? decideStageEvent(def.machine, def.machineVersion, cached, event)
      : decideOutside(def.machine, def.machineVersion, cached, event, false, incidentId);
    if (decision.kind === 'rebuild') {
      const rebuilt = await this.rebuild(input, event, fromStage, incidentId);
      if (!rebuilt && !fromStage) {
        // The log has no run of the incident: a trigger starts the first (anything else awaits nothing).
        decision = decideOutside(def.machine, def.machineVersion, null, event, true, incidentId);
      }
      if (!rebuilt && decision.kind === 'rebuild') {
        logger.debug('no run awaits this event');
        return { outputs: [] };
      }
      if (rebuilt) {
        logger.info({ lastSeq: rebuilt.lastSeq }, 'incident state rebuilt from the log');
        // The fold holds every event the log has for the incident, so a later one already there makes this
        // event a duplicate, and the beat this event asked for runs only if its own event is not in the log.
        decision = fromStage
          ? decideStageEvent(def.machine, def.machineVersion, rebuilt, event)
          : decideOutside(def.machine, def.machineVersion, rebuilt, event, false, incidentId);
      }
      if (decision.kind === 'rebuild') throw new Error('rebuild did not converge');
    }
    if (fromStage && def.waits && decision.kind !== 'skip') await this.trackWaits(decision.cache, event);
    switch (decision.kind) {
      case 'skip':
        logger.debug({ reason: decision.reason }, 'event skipped');
        return { outputs: [] };
      case 'defer':
        await this.cache.put(decision.cache);
        logger.info('a trigger of the next round came while a round runs: taken up when it ends');
        return { outputs: [] };
      case 'advance':
        if (decision.cache.deferred?.length && runEnded(decision.cache.state))
          return this.startDeferred(decision.cache, attempt, logger);
        await this.cache.put(decision.cache);
        return { outputs: [] };
      case 'run':
        // A beat run again after a crash: its cause is the deferred trigger that asked for it, if one did.
        return this.runBeat(
          decision.cache,
          decision.beat,
          decision.cache.startedBy ?? event,
          attempt,
          logger,
        );
    }
  }

  /**
   * The run ended with triggers deferred while it ran: the first one the stage still admits (its `admits` is asked
   * again: what the ended round did may have made it moot) starts the next round, as if it arrived now. The cache
   * saved before the beat runs no longer holds it, and names it as the beat's cause, so a crash before the beat's
   * event is committed runs that beat again on the redelivered end of the run.
   */
  private async startDeferred(cache: IncidentCache, attempt: number, logger: Logger) {
    const { definition: def } = this.opts;
    const queue = [...(cache.deferred ?? [])];
    while (queue.length > 0) {
      const trigger = queue.shift()!;
      const rest = { ...cache, deferred: queue };
      if (def.admits && !(await def.admits(trigger))) {
        logger.info({ trigger: trigger.meta.eventId }, 'a deferred trigger is no longer admitted');
        continue;
      }
      const decision = decideOutside(def.machine, def.machineVersion, rest, trigger, false, cache.incidentId);
      if (decision.kind !== 'run') continue;
      logger.info(
        { trigger: trigger.meta.eventId, type: trigger.meta.type },
        'deferred trigger starts the next round',
      );
      return this.runBeat({ ...decision.cache, startedBy: trigger }, decision.beat, trigger, attempt, logger);
    }
    await this.cache.put({ ...cache, deferred: [] });
    return { outputs: [] };
  }

  private async runBeat(
    cache: IncidentCache,
    beat: BeatRequest,
    cause: StageEvent,
    attempt: number,
    logger: Logger,
  ) {
    const { definition: def, codec, metrics } = this.opts;
    const handler = def.handlers[beat.handler];
    if (!handler) throw new Error(`no handler for beat ${beat.handler}`);
    // Saved before the beat runs: if we crash before committing, the redelivered input finds this state.
    await this.cache.put(cache);
    const startedAt = Date.now();
    const timer = metrics?.beatDuration.startTimer({ handler: beat.handler });
    let result: BeatResult;
    try {
      result = await handler({
        incidentId: cache.incidentId,
        beat,
        cause,
        context: cache.state.context,
        // Once per round: a later round's pull request or deployment is another outside action.
        effects: this.ledger.scoped(
          roundRunId(cache.incidentId, roundOf(cache.state.context as SequenceContext)),
          beat.handler,
        ),
        logger: logger.child({ handler: beat.handler, beat: beat.beat }),
        attempt,
      });
      timer?.({ outcome: 'ok' });
    } catch (error) {
      timer?.({ outcome: 'error' });
      throw error;
    }
    const seq = cache.lastSeq + 1;
    const emitted = buildEvent(def.stage, result.event, {
      incidentId: cache.incidentId,
      seq,
      causationId: cause.meta.eventId,
      correlationId: cause.meta.correlationId,
      startedAt,
      occurredAt: Date.now(),
      producer: this.opts.producer,
      sequenceId: def.stage,
      beat: beat.beat,
      handler: beat.handler,
      attempt,
      machineVersion: def.machineVersion,
    });
    const outputs: OutputRecord[] = [
      {
        topic: def.stageTopic,
        key: cache.incidentId,
        value: await codec.encode(emitted),
        headers: { 'event-type': emitted.meta.type },
      },
    ];
    for (const p of result.publish ?? []) {
      outputs.push({
        topic: p.topic,
        key: p.key,
        value: await codec.encode(p.event),
        headers: { 'event-type': p.event.meta.type },
      });
    }
    outputs.push(...(result.raw ?? []));
    logger.info(
      { handler: beat.handler, beat: beat.beat, emitted: emitted.meta.type, seq, ms: Date.now() - startedAt },
      'beat done',
    );
    return {
      outputs,
      afterCommit: async () => {
        await this.cache.markEmitted(cache.incidentId, seq);
        await result.afterCommit?.();
      },
    };
  }

  /**
   * A Waiting event stores its wait (the durable timer); any later event of the run ends the waits before it. Done
   * on reading the event back, not when producing it, so that what is stored follows the log.
   */
  private async trackWaits(cache: IncidentCache, event: StageEvent): Promise<void> {
    const def = this.opts.definition;
    const waiting = (cache.state.context as SequenceContextLike).waiting;
    if (event.meta.type === def.waits?.eventType && waiting?.seq === event.meta.seq) {
      await this.waits.record({
        stage: def.stage,
        incidentId: cache.incidentId,
        correlationId: event.meta.correlationId,
        ...waiting,
      });
    }
    await this.waits.endBefore(def.stage, cache.incidentId, event.meta.seq);
  }

  /** The run an event belongs to: a stage event's own key; an outside event's incident unless the stage says. */
  private runKey(event: StageEvent, fromStage: boolean): string {
    const keyOf = this.opts.definition.runKeyOf;
    return fromStage || !keyOf ? event.meta.incidentId : keyOf(event);
  }

  /**
   * Reads the incident's events from the stage topic, up to the one being handled: from the input's partition
   * for a stage event, from every partition for an outside event (it came from another topic). Null when the log
   * has no event of the incident (an outside event for a run that does not exist).
   */
  private async rebuild(
    input: InputMessage,
    event: StageEvent,
    fromStage: boolean,
    key: string,
  ): Promise<IncidentCache | null> {
    const { definition: def, codec, kafka } = this.opts;
    const events: StageEvent[] = [];
    await readTopic(kafka, def.stageTopic, {
      ...(fromStage ? { partitions: [input.partition] } : {}),
      onMessage: async (m) => {
        if (m.key?.toString() !== key || !m.value) return;
        try {
          events.push(await codec.decode(m.value));
        } catch {
          // An undecodable record was dead-lettered when it was first consumed; it is not part of any state.
        }
      },
    });
    if (fromStage) events.push(event);
    if (events.length === 0) return null;
    const lastInLog = Math.max(...events.map((e) => e.meta.seq));
    const cache = fold(def.machine, def.machineVersion, def.firstBeatState, events, lastInLog);
    await this.cache.put(cache);
    return cache;
  }

  /** A beat given up on: emit the stage's failed event for the incident, if the message was a decodable event. */
  private async failed(input: InputMessage, error: unknown, attempts: number): Promise<OutputRecord[]> {
    const { definition: def, codec } = this.opts;
    if (!input.message.value) return [];
    let event: StageEvent;
    try {
      event = await codec.decode(input.message.value);
    } catch {
      return []; // poison: the dead-letter record is all there is to say
    }
    const cache = await this.cache.get(this.runKey(event, input.topic === def.stageTopic));
    if (!cache?.pendingBeat) return [];
    const failed = buildEvent(
      def.stage,
      {
        type: def.failedEventType,
        payload: {
          beat: cache.pendingBeat.beat,
          handler: cache.pendingBeat.handler,
          error: errorInfo(error),
          attempts,
          lastEventId: cache.lastSeq > 0 ? event.meta.eventId : null,
        },
      },
      {
        incidentId: cache.incidentId,
        seq: cache.lastSeq + 1,
        causationId: event.meta.eventId,
        correlationId: event.meta.correlationId,
        startedAt: null,
        occurredAt: Date.now(),
        producer: this.opts.producer,
        sequenceId: def.stage,
        beat: cache.pendingBeat.beat,
        handler: cache.pendingBeat.handler,
        attempt: attempts,
        machineVersion: def.machineVersion,
      },
    );
    return [
      {
        topic: def.stageTopic,
        key: cache.incidentId,
        value: await codec.encode(failed),
        headers: { 'event-type': failed.meta.type },
      },
    ];
  }
}
