/**
 * A three-beat stage whose middle beat waits (open -> gate -> close), run by the real shared runtime, for the tests
 * of waits and durable timers. `gate` waits for a GateApproveCommand until the deadline `open` set; the approval or
 * the deadline's wake-up runs it again, and it says which one let the run through.
 *
 * Run as a process (`tsx --conditions=development test/src/waitStage.ts`) it serves until SIGTERM or SIGKILL.
 */
import type { Db } from 'mongodb';
import { eventTypeInfo } from '@self-healing/schemas';
import { createSequenceMachine } from '@self-healing/machines';
import {
  RegistryCodec,
  StageRunner,
  buildCommand,
  connectMongo,
  createKafka,
  createLogger,
  type BeatHandler,
  type EventContract,
  type StageDefinition,
  type StageEvent,
} from '@self-healing/shared';
import { failedPayloadFields, testContract } from './testContract.js';

export interface GateTopics {
  stage: string;
  commands: string;
  dlq: string;
}

export function gateTopics(prefix: string): GateTopics {
  return { stage: `${prefix}.gate.events`, commands: `${prefix}.commands`, dlq: `${prefix}.dlq` };
}

export const gateSpec = {
  id: 'demo.gate',
  beats: [
    { beat: 1, handler: 'open', event: 'GateOpened' },
    { beat: 2, handler: 'gate', event: 'GatePassed', waits: { for: ['GateApproveCommand'] } },
    { beat: 3, handler: 'close', event: 'GateClosed' },
  ],
} as const;

export const gateMachine = createSequenceMachine(gateSpec, {
  triggers: ['GateStartCommand'],
  rejected: 'GateRejected',
  failed: 'GateFailed',
  waiting: 'GateWaiting',
});

export function gateContracts(t: GateTopics): EventContract[] {
  const wakeUp = eventTypeInfo('WakeUpCommand')!;
  return [
    testContract('GateStartCommand', t.commands, [{ name: 'dueInMs', type: 'long' }]),
    testContract('GateApproveCommand', t.commands, [{ name: 'approver', type: 'string' }]),
    // The runtime's own wake-up, with the platform's schema, on this test's commands topic.
    {
      type: wakeUp.type,
      topic: t.commands,
      subject: `${t.commands}-${wakeUp.fullName}`,
      schema: wakeUp.schema,
    },
    testContract('GateOpened', t.stage, [{ name: 'until', type: 'long' }]),
    testContract('GateWaiting', t.stage, [
      { name: 'beat', type: 'int' },
      { name: 'handler', type: 'string' },
      { name: 'for', type: { type: 'array', items: 'string' } },
      { name: 'until', type: 'long' },
      { name: 'reason', type: 'string' },
    ]),
    testContract('GatePassed', t.stage, [
      { name: 'by', type: 'string' },
      { name: 'approver', type: ['null', 'string'], default: null },
    ]),
    testContract('GateClosed', t.stage, [{ name: 'by', type: 'string' }]),
    testContract('GateRejected', t.stage, [{ name: 'reason', type: 'string' }]),
    testContract('GateFailed', t.stage, failedPayloadFields('Gate')),
  ];
}

export function gateHandlers(db: Db): Record<string, BeatHandler> {
  const runs = db.collection<{ _id: string; n: number }>('gate_runs');
  const count = (handler: string, incidentId: string) =>
    runs.updateOne({ _id: `${incidentId}/${handler}` }, { $inc: { n: 1 } }, { upsert: true });
  return {
    // The deadline derives from the command (its time and delay), so a retried beat sets the same one.
    open: async ({ cause, incidentId }) => {
      await count('open', incidentId);
      const { dueInMs } = cause.payload as { dueInMs: number };
      return { event: { type: 'GateOpened', payload: { until: cause.meta.occurredAt + dueInMs } } };
    },
    gate: async ({ cause, incidentId, context }) => {
      await count('gate', incidentId);
      if (cause.meta.type === 'GateApproveCommand') {
        const { approver } = cause.payload as { approver: string };
        return { event: { type: 'GatePassed', payload: { by: 'approval', approver } } };
      }
      if (cause.meta.type === 'WakeUpCommand')
        return { event: { type: 'GatePassed', payload: { by: 'deadline', approver: null } } };
      const { until } = (context as { outputs: { GateOpened: { until: number } } }).outputs.GateOpened;
      const waiting = { beat: 2, handler: 'gate', for: ['GateApproveCommand'], until, reason: 'an approval' };
      return { event: { type: 'GateWaiting', payload: waiting } };
    },
    close: async ({ incidentId, context }) => {
      await count('close', incidentId);
      const { by } = (context as { outputs: { GatePassed: { by: string } } }).outputs.GatePassed;
      return { event: { type: 'GateClosed', payload: { by } } };
    },
  };
}

export function gateDefinition(t: GateTopics, db: Db): StageDefinition {
  return {
    stage: gateSpec.id,
    machine: gateMachine,
    machineVersion: 'v1',
    firstBeatState: 'open',
    stageTopic: t.stage,
    triggerTopics: [t.commands],
    handlers: gateHandlers(db),
    failedEventType: 'GateFailed',
    waits: { eventType: 'GateWaiting', wakeUpTopic: t.commands, pollMs: 200 },
  };
}

export function gateStart(incidentId: string, dueInMs: number): StageEvent {
  return buildCommand('GateStartCommand', { dueInMs }, incidentId, 'test', `start-${incidentId}`);
}

export function gateApprove(incidentId: string, approver: string): StageEvent {
  return buildCommand('GateApproveCommand', { approver }, incidentId, 'test', `approve-${incidentId}`);
}

export interface GateRunnerOptions {
  prefix: string;
  db: Db;
  kafka: ReturnType<typeof createKafka>;
  codec: RegistryCodec;
  logger: ReturnType<typeof createLogger>;
}

export function gateRunner(o: GateRunnerOptions): StageRunner {
  const topics = gateTopics(o.prefix);
  return new StageRunner({
    definition: gateDefinition(topics, o.db),
    kafka: o.kafka,
    db: o.db,
    codec: o.codec,
    logger: o.logger,
    producer: 'gate-stage',
    groupId: `${o.prefix}.gate`,
    transactionalId: `${o.prefix}.gate.0`,
    dlqTopic: topics.dlq,
    maxAttempts: 3,
    backoffMs: 50,
    // A killed instance's group membership lasts this long; short so the restart test does not wait 30 s.
    sessionTimeoutMs: 6_000,
  });
}

/** Entry point when run as a process: one runner until SIGTERM (or a SIGKILL from the test). */
async function runAsProcess(): Promise<void> {
  const env = process.env;
  const prefix = env.GATE_PREFIX!;
  const logger = createLogger('gate-stage', env.LOG_LEVEL ?? 'warn');
  const { client, db } = await connectMongo(env.MONGODB_URI!, env.GATE_DB!);
  const kafka = createKafka('gate-stage', env.KAFKA_BROKERS!.split(','), logger);
  const codec = new RegistryCodec(env.SCHEMA_REGISTRY_URL!, gateContracts(gateTopics(prefix)));
  const runner = gateRunner({ prefix, db, kafka, codec, logger });
  await runner.start();
  process.send?.('started');
  process.once('SIGTERM', async () => {
    await runner.stop();
    await client.close();
    process.exit(0);
  });
}

if (process.argv[1]?.endsWith('waitStage.ts')) {
  runAsProcess().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
