/**
 * A small three-beat stage (accept -> work -> finish) run by the real shared runtime, for the runtime's own
 * integration tests. Its contracts reuse the platform's envelope schema; its `work` beat has a side effect that
 * cannot be undone (a write to an "outside system" collection, keyed by the effect's idempotency key).
 *
 * Run as a process (`tsx --conditions=development test/src/demoStage.ts`) it can kill itself with SIGKILL at a
 * chosen point, once: DEMO_CRASH=`<handler>:<before|after-effect>` and DEMO_CRASH_MARKER=<file>.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Db } from 'mongodb';
import { createSequenceMachine } from '@self-healing/machines';
import {
  buildCommand,
  RegistryCodec,
  StageRunner,
  connectMongo,
  createKafka,
  createLogger,
  type BeatHandler,
  type EventContract,
  type StageDefinition,
  type StageEvent,
} from '@self-healing/shared';
import { failedPayloadFields, testContract } from './testContract.js';

export interface DemoTopics {
  stage: string;
  commands: string;
  dlq: string;
}

export function demoTopics(prefix: string): DemoTopics {
  return { stage: `${prefix}.demo.events`, commands: `${prefix}.commands`, dlq: `${prefix}.dlq` };
}

export const demoSpec = {
  id: 'demo.run',
  beats: [
    { beat: 1, handler: 'accept', event: 'DemoAccepted' },
    { beat: 2, handler: 'work', event: 'DemoWorked' },
    { beat: 3, handler: 'finish', event: 'DemoFinished' },
  ],
} as const;

export function demoContracts(t: DemoTopics): EventContract[] {
  const n = [{ name: 'n', type: 'int' }];
  return [
    testContract('DemoStartCommand', t.commands, [
      { name: 'n', type: 'int' },
      { name: 'poison', type: 'boolean', default: false },
    ]),
    testContract('DemoAccepted', t.stage, n),
    testContract('DemoWorked', t.stage, [...n, { name: 'effect', type: 'string' }]),
    testContract('DemoFinished', t.stage, n),
    testContract('DemoRejected', t.stage, [{ name: 'reason', type: 'string' }]),
    testContract('DemoFailed', t.stage, failedPayloadFields('Demo')),
  ];
}

export const demoMachine = createSequenceMachine(demoSpec, {
  triggers: ['DemoStartCommand'],
  rejected: 'DemoRejected',
  failed: 'DemoFailed',
});

function crashIfAsked(point: string): void {
  const wanted = process.env.DEMO_CRASH;
  const marker = process.env.DEMO_CRASH_MARKER;
  if (wanted !== point || !marker || existsSync(marker)) return;
  writeFileSync(marker, point);
  process.kill(process.pid, 'SIGKILL');
}

/** The handlers: `accept` validates, `work` does a side effect through the ledger, `finish` sums up. */
export function demoHandlers(db: Db): Record<string, BeatHandler> {
  const outside = db.collection<{ _id: string; incidentId: string }>('outside_system');
  const attempts = db.collection<{ _id: string; n: number }>('handler_attempts');
  const count = (handler: string, incidentId: string) =>
    attempts.updateOne({ _id: `${incidentId}/${handler}` }, { $inc: { n: 1 } }, { upsert: true });
  return {
    accept: async ({ cause, incidentId }) => {
      await count('accept', incidentId);
      crashIfAsked('accept:before');
      const { n, poison } = cause.payload as { n: number; poison: boolean };
      if (poison) throw new Error('this request always fails');
      if (n < 0) return { event: { type: 'DemoRejected', payload: { reason: `n must be >= 0, got ${n}` } } };
      return { event: { type: 'DemoAccepted', payload: { n } } };
    },
    work: async ({ incidentId, context, effects }) => {
      await count('work', incidentId);
      crashIfAsked('work:before');
      const { n } = (context as { outputs: { DemoAccepted: { n: number } } }).outputs.DemoAccepted;
      const { result } = await effects.once('write-outside', async (key) => {
        // The outside system recognises the key: a second attempt with it is refused, not repeated.
        await outside.updateOne({ _id: key }, { $setOnInsert: { incidentId } }, { upsert: true });
        return key;
      });
      crashIfAsked('work:after-effect');
      return { event: { type: 'DemoWorked', payload: { n: n * 2, effect: result } } };
    },
    finish: async ({ incidentId, context }) => {
      await count('finish', incidentId);
      crashIfAsked('finish:before');
      const { n } = (context as { outputs: { DemoWorked: { n: number } } }).outputs.DemoWorked;
      return { event: { type: 'DemoFinished', payload: { n: n + 1 } } };
    },
  };
}

export function demoDefinition(t: DemoTopics, db: Db, machineVersion = 'v1'): StageDefinition {
  return {
    stage: demoSpec.id,
    machine: demoMachine,
    machineVersion,
    firstBeatState: 'accept',
    stageTopic: t.stage,
    triggerTopics: [t.commands],
    handlers: demoHandlers(db),
    failedEventType: 'DemoFailed',
  };
}

export function startCommand(incidentId: string, n: number, poison = false): StageEvent {
  return buildCommand('DemoStartCommand', { n, poison }, incidentId, 'test');
}

/** Entry point when run as a process: one stage runner until SIGTERM (or a planned SIGKILL). */
async function runAsProcess(): Promise<void> {
  const env = process.env;
  const prefix = env.DEMO_PREFIX!;
  const topics = demoTopics(prefix);
  const logger = createLogger('demo-stage', env.LOG_LEVEL ?? 'warn');
  const { client, db } = await connectMongo(env.MONGODB_URI!, env.DEMO_DB!);
  const kafka = createKafka('demo-stage', env.KAFKA_BROKERS!.split(','), logger);
  const codec = new RegistryCodec(env.SCHEMA_REGISTRY_URL!, demoContracts(topics));
  const runner = new StageRunner({
    definition: demoDefinition(topics, db),
    kafka,
    db,
    codec,
    logger,
    producer: 'demo-stage',
    groupId: `${prefix}.runner`,
    transactionalId: `${prefix}.runner.0`,
    dlqTopic: topics.dlq,
    maxAttempts: 3,
    backoffMs: 50,
    // A killed instance's group membership lasts this long; short here so the restart test does not wait 30 s.
    sessionTimeoutMs: 6_000,
  });
  await runner.start();
  process.send?.('started');
  const stop = async () => {
    await runner.stop();
    await client.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
}

if (process.argv[1]?.endsWith('demoStage.ts')) {
  runAsProcess().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
