import type {
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  Transaction,
} from 'kafkajs';
import type { Logger } from '../logger.js';
import { TransientError, classifyError, describeError, isPermanent } from '../errors.js';
import { stuckAfterMs as configuredStuckAfterMs, type Metrics } from '../observability.js';
import { keepDeadLetterOriginals, redactDeadLetter } from '../redaction/index.js';

/** A record to produce as the result of handling one input message. */
export interface OutputRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface InputMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface HandleContext {
  attempt: number;
  logger: Logger;
}

/**
 * What a consumer does with one message: return the records to produce. They are produced, and the input's
 * offset committed, in one Kafka transaction: either both happen or neither, so a crash at any point means
 * the input is handled again and its outputs appear once.
 */
export type MessageHandler = (input: InputMessage, ctx: HandleContext) => Promise<HandleResult>;

export interface HandleResult {
  outputs: OutputRecord[];
  /** Runs once the transaction is committed (e.g. to note in a cache that the outputs exist). */
  afterCommit?: () => Promise<void>;
}

/** Called when a message is given up on; may add records (e.g. a `Failed` event) to the dead-letter transaction. */
export type FailureHandler = (
  input: InputMessage,
  error: unknown,
  attempts: number,
) => Promise<OutputRecord[]>;

export interface ConsumerLoopOptions {
  kafka: Kafka;
  service: string;
  groupId: string;
  topics: string[];
  /** Stable per service instance: Kafka fences an older producer with the same id (a zombie after a restart). */
  transactionalId: string;
  dlqTopic: string;
  handle: MessageHandler;
  onFailure?: FailureHandler;
  logger: Logger;
  metrics?: Metrics;
  maxAttempts?: number;
  backoffMs?: number;
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member (e.g. a killed instance) before giving its partitions away. */
  sessionTimeoutMs?: number;
  /**
   * How long one attempt of the handler may take before it is abandoned and retried (unset: no limit). Only for
   * handlers that are idempotent and normally quick (the projector): a dependency that never answers would
   * otherwise hold the message, and every message behind it, silently and for ever.
   */
  attemptTimeoutMs?: number;
  /** A message in hand for longer than this is logged (once, at warn) with what the loop is waiting on. */
  stuckAfterMs?: number;
  /**
   * Commit the outputs and offsets of up to this many messages of a partition in one transaction (default 1: one
   * per message). Only for handlers whose effects outside Kafka are idempotent (the projector's version-guarded
   * writes): a transaction that fails after some of them ran makes them run again. A message whose handler fails
   * is taken alone, after what came before it is committed, with the usual retries and dead letter.
   */
  commitEvery?: number;
  /**
   * Runs before every commit, after the handlers of the messages it commits (a consumer that buffers its writes
   * makes them here). If it fails, nothing is committed and the messages are handled again.
   */
  beforeCommit?: () => Promise<void>;
}

/** An attempt that did not finish within `attemptTimeoutMs`; retried like any transient failure. */
export class AttemptTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`handler gave no answer within ${ms} ms for ${what}; abandoned and retried`);
    this.name = 'AttemptTimeoutError';
  }
}

/** Header names of dead-letter records, as the topic catalogue documents them for operators. */
export const DLQ_HEADERS = {
  error: 'dlq.error',
  errorCode: 'dlq.error-code',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  group: 'dlq.consumer.group',
  attempts: 'dlq.attempts',
  service: 'dlq.service',
  at: 'dlq.failed-at',
} as const;

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/**
 * The dead-letter record keeps the key, value and headers, redacted (see redactDeadLetter; originals only with
 * DLQ_KEEP_ORIGINAL=true), plus why and where it came from.
 */
export function deadLetterRecord(
  input: InputMessage,
  dlqTopic: string,
  service: string,
  groupId: string,
  error: unknown,
  attempts: number,
): Message & { topic: string } {
  const code = (error as { code?: unknown })?.code;
  const kept = redactDeadLetter(
    {
      key: input.message.key,
      value: input.message.value,
      headers: {
        ...headersToStrings(input.message.headers),
        [DLQ_HEADERS.error]: describeError(error).slice(0, 2000),
      },
    },
    { keepOriginal: keepDeadLetterOriginals() },
  );
  return {
    topic: dlqTopic,
    key: kept.key,
    value: kept.value,
    headers: {
      ...kept.headers,
      [DLQ_HEADERS.errorCode]:
        typeof code === 'string' ? code : isPermanent(error) ? 'permanent' : 'exhausted',
      [DLQ_HEADERS.topic]: input.topic,
      [DLQ_HEADERS.partition]: String(input.partition),
      [DLQ_HEADERS.offset]: input.message.offset,
      [DLQ_HEADERS.group]: groupId,
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.service]: service,
      [DLQ_HEADERS.at]: new Date().toISOString(),
    },
  };
}

/** Where the loop is with the message in hand, for the stall warning. */
interface AttemptProgress {
  phase: 'handling' | 'committing' | 'after-commit' | 'backing-off' | 'dead-lettering';
  attempt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * At-least-once consumer with exactly-once output: manual offsets committed inside the output transaction,
 * bounded retries with exponential backoff inside the handler, then the dead-letter topic, and the loop goes on.
 */
export class ConsumerLoop {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private stopping = false;
  private readonly opts: Required<
    Omit<ConsumerLoopOptions, 'onFailure' | 'metrics' | 'attemptTimeoutMs' | 'beforeCommit'>
  > &
    Pick<ConsumerLoopOptions, 'onFailure' | 'metrics' | 'attemptTimeoutMs' | 'beforeCommit'>;

  constructor(options: ConsumerLoopOptions) {
    this.opts = {
      maxAttempts: 5,
      backoffMs: 200,
      fromBeginning: true,
      partitionsConsumedConcurrently: 1,
      sessionTimeoutMs: 30_000,
      stuckAfterMs: configuredStuckAfterMs(),
      commitEvery: 1,
      ...options,
    };
  }

  /** The transactional producer, connected and registered (see below). */
  private async connectProducer(): Promise<Producer> {
    const producer = this.opts.kafka.producer({
      transactionalId: this.opts.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      // A transaction that a crashed instance left open is aborted by the broker after this long.
      transactionTimeout: 30_000,
    });
    await producer.connect();
    // kafkajs registers the transactional id lazily, at the first transaction. Do it now, before consuming: it
    // fences an instance that was killed mid-transaction and makes the broker abort that transaction at once;
    // otherwise read_committed readers of its partitions (our own consumer too) wait for the transaction timeout.
    await (await producer.transaction()).abort();
    return producer;
  }

  /**
   * A transaction whose abort failed (the broker went away mid-commit) leaves kafkajs's producer in ABORTING for
   * good: every later transaction is refused ("Cannot call beginTransaction in state ABORTING"). A new producer with
   * the same transactional id starts clean, and registering it makes the broker abort what the old one left open.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
    this.producer = await this.connectProducer();
    this.opts.logger.warn({ transactionalId: this.opts.transactionalId }, 'transactional producer replaced');
  }

  async start(): Promise<void> {
    const { groupId, topics, transactionalId, logger } = this.opts;
    this.producer = await this.connectProducer();
    await this.startConsumer();
    logger.info({ groupId, topics, transactionalId }, 'consumer started');
  }

  /**
   * kafkajs gives up on its consumer after an error it deems non-retriable (seen when the broker restarted: "Failed
   * to find group coordinator") and leaves the process running with nothing consuming. The loop starts a new
   * consumer in the same group instead, again until it runs.
   */
  private restartAfterCrash(error: Error): void {
    if (this.stopping) return;
    this.opts.logger.error({ err: describeError(error) }, 'consumer crashed for good; starting a new one');
    const again = () => {
      if (this.stopping) return;
      const old = this.consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        await this.startConsumer();
        this.opts.logger.warn({ groupId: this.opts.groupId }, 'consumer started again after a crash');
      })().catch((e: unknown) => {
        this.opts.logger.error({ err: describeError(e) }, 'consumer did not start again; retrying');
        setTimeout(again, 5_000).unref();
      });
    };
    setTimeout(again, 2_000).unref();
  }

  private async startConsumer(): Promise<void> {
    const { kafka, groupId, topics } = this.opts;
    this.consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 5)),
    });
    await this.consumer.connect();
    for (const topic of topics)
      await this.consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
    const { CRASH, END_BATCH_PROCESS } = this.consumer.events;
    this.consumer.on(CRASH, (e) => {
      if (!e.payload.restart) this.restartAfterCrash(e.payload.error);
    });
    this.consumer.on(END_BATCH_PROCESS, (e) => {
      this.opts.metrics?.lag.set(
        { topic: e.payload.topic, partition: String(e.payload.partition) },
        Number(e.payload.offsetLag),
      );
    });
    if (this.opts.commitEvery > 1) {
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
        eachBatch: (batch) => this.batch(batch),
      });
    } else {
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
        eachMessage: async ({ topic, partition, message, heartbeat }) => {
          // A beat can take longer than the session timeout (a large parse run): keep the membership alive
          // while it works, or the group evicts us, the commit fails, and the same beat runs again forever.
          const beat = setInterval(
            () => void heartbeat().catch(() => undefined),
            Math.max(250, Math.floor(this.opts.sessionTimeoutMs / 4)),
          );
          try {
            await this.process({ topic, partition, message });
          } finally {
            clearInterval(beat);
          }
        },
      });
    }
  }

  /** Finishes the message in flight, commits it, leaves the group. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.opts.logger.info('consumer stopped');
  }

  private async process(input: InputMessage): Promise<void> {
    const { metrics, logger, stuckAfterMs } = this.opts;
    const labels = { topic: input.topic };
    const what = `${input.topic}/${input.partition}/${input.message.offset}`;
    metrics?.messages.inc(labels);
    // While in hand, /health can tell a consumer stuck on this message (observability's progress check).
    const done = metrics?.inFlight.start(what);
    // A stalled consumer is otherwise silent (nothing fails, the group stays stable, lag grows): say where it waits.
    const progress: AttemptProgress = { phase: 'handling', attempt: 0 };
    const began = Date.now();
    const watchdog = setTimeout(
      () =>
        logger.warn(
          { message: what, forMs: Date.now() - began, ...progress },
          'message in hand for too long',
        ),
      stuckAfterMs,
    );
    watchdog.unref();
    try {
      await this.attempts(input, labels, progress);
    } finally {
      clearTimeout(watchdog);
      done?.();
    }
  }

  private async attempts(
    input: InputMessage,
    labels: { topic: string },
    progress: AttemptProgress,
  ): Promise<void> {
    const { logger, metrics, maxAttempts, backoffMs } = this.opts;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      progress.attempt = attempt;
      try {
        progress.phase = 'handling';
        const { outputs, afterCommit } = await this.handleWithin(input, attempt);
        progress.phase = 'committing';
        await this.commitWith(input, outputs);
        progress.phase = 'after-commit';
        // Only a cache is updated here; if it fails, the next delivery or a rebuild corrects it.
        await afterCommit?.().catch((error) =>
          logger.warn({ err: describeError(error) }, 'after-commit hook failed'),
        );
        return;
      } catch (error) {
        const decision = retryDecision(error, attempt, maxAttempts, backoffMs, this.stopping);
        const giveUp = decision.action !== 'retry';
        logger.warn(
          {
            err: describeError(error),
            attempt,
            topic: input.topic,
            partition: input.partition,
            offset: input.message.offset,
          },
          giveUp ? 'giving up on message' : 'handler failed, retrying',
        );
        if (decision.action === 'retry') {
          progress.phase = 'backing-off';
          await sleep(decision.delayMs);
          continue;
        }
        if (decision.action === 'leave') {
          // Shutting down: leave the offset uncommitted so the next owner retries it.
          throw error;
        }
        metrics?.failures.inc(labels);
        progress.phase = 'dead-lettering';
        await this.deadLetter(input, error, attempt);
        return;
      }
    }
  }

  /**
   * One fetched batch of a partition, committed `commitEvery` messages at a time: a transaction costs several
   * round trips to the broker, and a consumer that pays them per message (the projector, reading every stage's
   * events on a loaded machine) falls minutes behind. A failing message is committed alone after the ones before it.
   */
  private async batch(p: EachBatchPayload): Promise<void> {
    // A commit of many messages (their outputs, and the projector's buffered writes before it) can take longer
    // than the session timeout on a loaded machine: keep the membership alive throughout, not only between
    // messages, or the group evicts us mid-batch and the batch is fetched and done again (seen: a projector
    // evicted every 20-40 s, minutes behind, under a loaded chaos run).
    const beat = setInterval(
      () => void p.heartbeat().catch(() => undefined),
      Math.max(250, Math.floor(this.opts.sessionTimeoutMs / 4)),
    );
    try {
      await this.batchWithin(p);
    } finally {
      clearInterval(beat);
    }
  }

  private async batchWithin(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    let pending: { outputs: OutputRecord[]; after: Array<() => Promise<void>>; last: KafkaMessage | null } = {
      outputs: [],
      after: [],
      last: null,
    };
    let count = 0;
    const flush = async () => {
      if (!pending.last) return;
      const done = pending;
      pending = { outputs: [], after: [], last: null };
      count = 0;
      await this.commitWith({ topic, partition, message: done.last! }, done.outputs);
      p.resolveOffset(done.last!.offset);
      for (const hook of done.after)
        await hook().catch((error) =>
          this.opts.logger.warn({ err: describeError(error) }, 'after-commit hook failed'),
        );
    };
    for (const message of p.batch.messages) {
      if (!p.isRunning() || p.isStale()) break;
      const input = { topic, partition, message };
      const what = `${topic}/${partition}/${message.offset}`;
      const done = this.opts.metrics?.inFlight.start(what);
      let result: HandleResult | null = null;
      try {
        result = await this.handleWithin(input, 1);
      } catch {
        // Taken alone below, with its retries and its dead letter.
      } finally {
        done?.();
      }
      if (result) {
        // Counted here when handled in the batch; a failing message is counted by `process` below.
        this.opts.metrics?.messages.inc({ topic });
        pending.outputs.push(...result.outputs);
        if (result.afterCommit) pending.after.push(result.afterCommit);
        pending.last = message;
        count++;
        if (count >= this.opts.commitEvery) await flush();
      } else {
        await flush();
        await this.process(input);
        p.resolveOffset(message.offset);
      }
      await p.heartbeat();
    }
    await flush();
  }

  /** The handler, abandoned past `attemptTimeoutMs` (its late result, if any, is ignored: it must be idempotent). */
  private handleWithin(input: InputMessage, attempt: number): Promise<HandleResult> {
    const { handle, logger, attemptTimeoutMs } = this.opts;
    const running = handle(input, { attempt, logger });
    if (attemptTimeoutMs === undefined) return running;
    let timer: NodeJS.Timeout | undefined;
    const what = `${input.topic}/${input.partition}/${input.message.offset}`;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AttemptTimeoutError(what, attemptTimeoutMs)), attemptTimeoutMs);
    });
    running.catch(() => undefined); // an abandoned attempt's late failure is not an unhandled rejection
    return Promise.race([running, timeout]).finally(() => clearTimeout(timer));
  }

  private async deadLetter(input: InputMessage, error: unknown, attempts: number): Promise<void> {
    const { onFailure, dlqTopic, service, metrics, logger } = this.opts;
    let extra: OutputRecord[] = [];
    try {
      extra = onFailure ? await onFailure(input, error, attempts) : [];
    } catch (failureError) {
      logger.error({ err: describeError(failureError) }, 'failure handler failed; dead-lettering only');
    }
    const dlq = deadLetterRecord(input, dlqTopic, service, this.opts.groupId, error, attempts);
    await this.commitWith(input, extra, [dlq]);
    metrics?.deadLetters.inc({ topic: input.topic });
    logger.error({ err: describeError(error), attempts, dlqTopic }, 'message dead-lettered');
  }

  private async commitWith(
    input: InputMessage,
    outputs: OutputRecord[],
    raw: Array<Message & { topic: string }> = [],
  ): Promise<void> {
    // Not there: a replacement failed (the broker still down); the retry makes another.
    if (!this.producer) await this.replaceProducer();
    const producer = this.producer!;
    await this.opts.beforeCommit?.();
    let transaction: Transaction;
    try {
      transaction = await producer.transaction();
    } catch (error) {
      await this.replaceProducer().catch(() => undefined);
      throw new TransientError(`could not begin a transaction: ${describeError(error)}`, { cause: error });
    }
    try {
      const byTopic = new Map<string, Message[]>();
      for (const o of outputs) {
        const list = byTopic.get(o.topic) ?? [];
        list.push({ key: o.key, value: o.value, headers: o.headers ?? {} });
        byTopic.set(o.topic, list);
      }
      for (const r of raw) {
        const { topic, ...message } = r;
        const list = byTopic.get(topic) ?? [];
        list.push(message);
        byTopic.set(topic, list);
      }
      if (byTopic.size > 0) {
        await transaction.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.opts.groupId,
        topics: [
          {
            topic: input.topic,
            partitions: [
              { partition: input.partition, offset: (BigInt(input.message.offset) + 1n).toString() },
            ],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      const aborted = await transaction.abort().then(
        () => true,
        () => false,
      );
      if (!aborted) {
        await this.replaceProducer().catch(() => undefined);
        // The message is not at fault: the transaction could not finish; it is retried with the new producer.
        throw new TransientError(`transaction failed and could not be aborted: ${describeError(error)}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** Stops the loops on SIGTERM/SIGINT after the message in flight, then exits. */
export function stopOnSignals(stoppables: Array<{ stop(): Promise<void> }>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    Promise.allSettled(stoppables.map((s) => s.stop())).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

/** Longest pause between two attempts at a message whose dependency is away. */
export const MAX_RETRY_DELAY_MS = 30_000;

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  /** Shutting down: leave the message uncommitted for the partition's next owner. */
  | { action: 'leave' }
  | { action: 'dead-letter' };

/**
 * What to do after an attempt at a message failed. A permanent error (the message's own fault) is dead-lettered at
 * once; other errors are retried with exponential backoff, up to `maxAttempts`. An error that says a dependency is
 * away (the database or the broker restarting, a lost connection) says nothing about the message: it is retried for
 * as long as it takes, at most `MAX_RETRY_DELAY_MS` apart, and never dead-lettered. Seen: a diagnosis instance whose
 * MongoDB client needed two minutes to see FerretDB back after a 2 s restart spent its five attempts and
 * dead-lettered a beat of an incident, which then never moved again.
 */
export function retryDecision(
  error: unknown,
  attempt: number,
  maxAttempts: number,
  backoffMs: number,
  stopping: boolean,
): RetryDecision {
  const klass = classifyError(error);
  if (!klass.retryable) return { action: 'dead-letter' };
  const away = klass.category === 'dependency_unavailable';
  if (stopping) return away || attempt < maxAttempts ? { action: 'leave' } : { action: 'dead-letter' };
  if (!away && attempt >= maxAttempts) return { action: 'dead-letter' };
  return {
    action: 'retry',
    delayMs: Math.min(MAX_RETRY_DELAY_MS, backoffMs * 2 ** Math.min(attempt - 1, 20)),
  };
}
