import type { Collection, Db } from 'mongodb';
import type { Producer } from 'kafkajs';
import { buildEvent, outsideBeatMeta, type StageEvent } from '../envelope.js';
import type { EventCodec } from '../kafka/codec.js';
import type { Logger } from '../logger.js';
import { isDuplicateKey } from '../mongo/client.js';

/** The command that wakes a waiting run (its schema is in schemas' avro/runtime.ts). */
export const WAKE_UP_COMMAND = 'WakeUpCommand';

/** One wait of one run, as stored: what it waits for, until when, and whether its time has been announced. */
export interface WaitDoc {
  /** `<stage>/<incident>/<seq of the Waiting event>`: a wait is stored once however often its event is read. */
  _id: string;
  stage: string;
  incidentId: string;
  seq: number;
  beat: number;
  handler: string;
  for: string[];
  until: number;
  reason: string;
  correlationId: string;
  /** Set once the wake-up command was produced (it may have been produced twice; see WakeUpScheduler). */
  firedAt: Date | null;
  /** Set once the run left the wait (resumed by an outside event, woken, or ended). */
  endedAt: Date | null;
}

export interface NewWait {
  stage: string;
  incidentId: string;
  seq: number;
  beat: number;
  handler: string;
  for: readonly string[];
  until: number;
  reason: string;
  correlationId: string;
}

export const WAITS_COLLECTION = 'stage_waits';

const waitId = (stage: string, incidentId: string, seq: number) => `${stage}/${incidentId}/${seq}`;

/**
 * The durable side of waits: one document per wait, written when the runner reads the run's Waiting event (so a
 * crash anywhere after the event's commit still stores it when the event is read again). Stored by insert only,
 * because FerretDB's conditional updates are not atomic while a unique `_id` is: the first insert wins, the
 * others change nothing.
 */
export class WaitStore {
  readonly collection: Collection<WaitDoc>;
  private indexes: Promise<unknown> | undefined;

  constructor(db: Db) {
    this.collection = db.collection<WaitDoc>(WAITS_COLLECTION);
  }

  async record(w: NewWait): Promise<void> {
    this.indexes ??= this.collection
      .createIndex({ endedAt: 1, firedAt: 1, until: 1 })
      .catch(() => (this.indexes = undefined));
    await this.indexes;
    try {
      await this.collection.insertOne({
        _id: waitId(w.stage, w.incidentId, w.seq),
        stage: w.stage,
        incidentId: w.incidentId,
        seq: w.seq,
        beat: w.beat,
        handler: w.handler,
        for: [...w.for],
        until: w.until,
        reason: w.reason,
        correlationId: w.correlationId,
        firedAt: null,
        endedAt: null,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** The run moved on from every wait before `seq`: they are no longer shown, and their timers do not fire. */
  async endBefore(stage: string, incidentId: string, seq: number): Promise<void> {
    await this.collection.updateMany(
      { stage, incidentId, endedAt: null, seq: { $lt: seq } },
      { $set: { endedAt: new Date() } },
    );
  }

  /** Waits of these stages whose time has come and whose wake-up has not been produced yet, earliest first. */
  due(stages: readonly string[], now: number, limit = 100): Promise<WaitDoc[]> {
    return this.collection
      .find({ stage: { $in: [...stages] }, endedAt: null, firedAt: null, until: { $lte: now } })
      .sort({ until: 1 })
      .limit(limit)
      .toArray();
  }

  async markFired(id: string): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { firedAt: new Date() } });
  }

  /** Every run that waits now, soonest deadline first: what `healctl waiting` shows. */
  waiting(stage?: string): Promise<WaitDoc[]> {
    return this.collection
      .find({ endedAt: null, ...(stage ? { stage } : {}) })
      .sort({ until: 1 })
      .toArray();
  }
}

/**
 * The wake-up of one wait, the same bytes however often it is built: its id derives from the stage, the run and
 * the Waiting event's seq, and its time is the wait's own. A second copy is therefore recognised and ignored.
 */
export function wakeUpCommand(w: WaitDoc, producer: string): StageEvent {
  return buildEvent(
    `wake-up/${w.stage}`,
    {
      type: WAKE_UP_COMMAND,
      payload: { sequenceId: w.stage, waitSeq: w.seq, beat: w.beat, handler: w.handler, dueAt: w.until },
    },
    outsideBeatMeta({
      incidentId: w.incidentId,
      seq: w.seq,
      correlationId: w.correlationId,
      occurredAt: w.until,
      producer,
    }),
  );
}

export interface WakeUpSchedulerOptions {
  waits: WaitStore;
  stages: readonly string[];
  producer: Producer;
  codec: EventCodec;
  commandsTopic: string;
  producerName: string;
  logger: Logger;
  /** How often due waits are looked for; a wake-up is late by at most this much. */
  pollMs?: number;
  now?: () => number;
}

/**
 * Turns stored waits whose time has come into wake-up commands on the commands topic, which the stage consumes
 * like any outside event. A wake-up is produced before it is marked fired, so a crash in between produces it again
 * after the restart: at least once. The run acts on it once, because the copy has the same event id and the machine
 * takes a wake-up only for the wait it is in (see `ownWakeUp` in the machines package). While one run waits, the
 * consumer goes on with the others: nothing here blocks it.
 */
export class WakeUpScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly opts: WakeUpSchedulerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Produces the wake-ups due now; returns how many. */
  async fireDue(): Promise<number> {
    const { waits, stages, producer, codec, commandsTopic, producerName } = this.opts;
    const due = await waits.due(stages, (this.opts.now ?? Date.now)());
    for (const w of due) {
      const command = wakeUpCommand(w, producerName);
      await producer.send({
        topic: commandsTopic,
        messages: [
          {
            key: w.incidentId,
            value: await codec.encode(command),
            headers: { 'event-type': command.meta.type },
          },
        ],
      });
      await waits.markFired(w._id);
      this.opts.logger.info({ incidentId: w.incidentId, handler: w.handler, until: w.until }, 'wake-up sent');
    }
    return due.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.fireDue()
        .catch((error: unknown) => this.opts.logger.warn({ err: error }, 'wake-ups not sent; trying again'))
        .then(() => this.schedule(this.opts.pollMs ?? 1000));
    }, delay);
  }
}
