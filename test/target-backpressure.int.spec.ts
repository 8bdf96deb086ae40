import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogShipper } from '@self-healing/target';
import { uniqueName, waitFor } from './src/endpoints.js';
import { testEnvironment, type TestEnvironment } from './src/environment.js';

/** A real producer whose acknowledgements are slow, and which can refuse one request (a broker error). */
function slowProducer(real: Producer, delayMs: number, failAt = -1) {
  const stats = { inFlight: 0, maxInFlight: 0, sends: 0 };
  const producer = {
    send: async (record: ProducerRecord) => {
      const n = stats.sends++;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await new Promise((r) => setTimeout(r, delayMs));
        if (n === failAt) throw new Error('broker refused the request');
        return await real.send(record);
      } finally {
        stats.inFlight -= 1;
      }
    },
  } as unknown as Producer;
  return { producer, stats };
}

describe('log shipper: bounded in-flight requests, no checkpoint past an unacknowledged batch', () => {
  let env: TestEnvironment;
  let dir: string;
  let real: Producer;
  const files = 6;
  const linesPerFile = 1500;

  beforeAll(async () => {
    env = await testEnvironment('target-backpressure');
    real = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await real.connect();
    dir = mkdtempSync(join(tmpdir(), 'target-bp-'));
    mkdirSync(join(dir, 'logs'));
    for (let f = 0; f < files; f++) {
      const lines = Array.from({ length: linesPerFile }, (_, i) =>
        JSON.stringify({
          level: 30,
          time: 1_700_000_000_000 + i,
          name: 'checkout',
          msg: `file ${f} line ${i}`,
        }),
      );
      writeFileSync(join(dir, 'logs', `c${f}-a1.log`), `${lines.join('\n')}\n`);
      writeFileSync(
        join(dir, 'logs', `c${f}-a1.meta.json`),
        JSON.stringify({ service: 'checkout', host: 'h/a1', version: '1', commit: `c${f}`, instance: 'a1' }),
      );
    }
  });

  afterAll(async () => {
    await real?.disconnect();
    await env?.mongo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never has more requests out than allowed, stops at a refused request, and a new shipper finishes the job', async () => {
    const checkpointFile = join(dir, 'shipper.json');
    const options = {
      logDir: join(dir, 'logs'),
      checkpointFile,
      topic: env.topics.telemetryRaw,
      linesPerRecord: 100,
    };
    const failing = slowProducer(real, 20, 25);
    const first = new LogShipper({ ...options, producer: failing.producer, maxInFlight: 2 });
    await expect(first.pass()).rejects.toThrow('broker refused the request');
    expect(failing.stats.maxInFlight).toBe(2);
    const shippedBefore = Object.values(first.offsets()).reduce((a, b) => a + b, 0);
    const total = Array.from(
      { length: files },
      (_, f) => statSync(join(dir, 'logs', `c${f}-a1.log`)).size,
    ).reduce((a, b) => a + b, 0);
    expect(shippedBefore).toBeGreaterThan(0);
    expect(shippedBefore).toBeLessThan(total);

    const slow = slowProducer(real, 5);
    const second = new LogShipper({ ...options, producer: slow.producer, maxInFlight: 3 });
    while ((await second.pass()) > 0);
    expect(slow.stats.maxInFlight).toBeLessThanOrEqual(3);
    const saved = JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, { offset: number }>;
    expect(Object.values(saved).reduce((a, c) => a + c.offset, 0)).toBe(total);

    // Every line once (by file and offset), none lost at the refused request.
    const consumer = env.kafka.consumer({ groupId: uniqueName('bp-read') });
    const seen = new Map<string, KafkaMessage>();
    await consumer.connect();
    await consumer.subscribe({ topic: env.topics.telemetryRaw, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.set(`${message.headers?.['log-file']}@${message.headers?.['log-offset']}`, message),
    });
    const lineCount = () =>
      [...seen.values()].reduce((s, m) => s + m.value!.toString().split('\n').length, 0);
    await waitFor(() => lineCount() === files * linesPerFile, { timeoutMs: 60_000, message: 'all lines' });
    await consumer.disconnect();
    for (let f = 0; f < files; f++) {
      const lines = [...seen.values()]
        .filter((m) => m.headers?.['log-file']?.toString() === `c${f}-a1.log`)
        .sort(
          (x, y) =>
            Number(x.headers!['log-offset']!.toString()) - Number(y.headers!['log-offset']!.toString()),
        )
        .flatMap((m) => m.value!.toString().split('\n'));
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
        Array.from({ length: linesPerFile }, (_, i) => `file ${f} line ${i}`),
      );
    }
  });
});
