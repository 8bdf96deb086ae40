import { afterEach, describe, expect, it } from 'vitest';
import {
  DecodePool,
  concatBatches,
  crashedRecord,
  decodeJob,
  packJob,
  unpackJob,
  type DecodeJob,
} from './decode-pool.js';
import { decodeRecords, type PositionedRecord } from './steps.js';

const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      level: i % 7 === 0 ? 50 : 30,
      time: 1767225600000 + (from + i) * 1000,
      name: 'checkout',
      msg: `charged card for order ${from + i} took ${i % 13} ms password=hunter${i}`,
    }),
  ).join('\n');

const job = (): DecodeJob => {
  // Values are views into one larger buffer, like the pooled buffers Kafka clients hand out.
  const backing = Buffer.from(`${lines(5)}\u0000${lines(4, 5)}`);
  const cut = backing.indexOf(0);
  return {
    records: [
      { position: 't/0/1', record: { value: backing.subarray(0, cut), headers: {}, timestamp: 1 } },
      {
        position: 't/0/2',
        record: { value: backing.subarray(cut + 1), headers: { service: 'pay' }, key: 'k' },
      },
      {
        position: 't/0/3',
        record: { value: Buffer.from('not json {'), headers: { 'content-type': 'application/json' } },
      },
    ],
    defaultService: 'fallback',
    formats: [],
  };
};

describe('decode jobs', () => {
  it('pack and unpack a job without changing a byte or a field', () => {
    const original = job();
    const packed = packJob(7, original);
    expect(packed.buffer.byteLength).toBe(
      original.records.reduce((n, r) => n + r.record.value.byteLength, 0),
    );
    const back = unpackJob(structuredClone(packed));
    expect(back.records.map((r) => Buffer.from(r.record.value).toString())).toEqual(
      original.records.map((r) => Buffer.from(r.record.value).toString()),
    );
    expect(back.records[1]!.record).toMatchObject({ headers: { service: 'pay' }, key: 'k' });
    expect(back.records[0]!.record.timestamp).toBe(1);
  });

  it('decode, redact and extract numbers in one stateless step', () => {
    const batch = decodeJob(job());
    expect(batch.size).toBe(9);
    expect(batch.message).toHaveLength(9);
    expect(batch.message[0]).toContain('<redacted:secret>');
    expect(batch.message[0]).not.toContain('hunter');
    expect(batch.numbers[1]).toEqual({ durationMs: 1 });
    // The second record's `service` header names its lines' service (they call themselves checkout).
    expect(batch.service.slice(4, 6)).toEqual(['checkout', 'pay']);
    expect(batch.deadLetters.map((d) => d.position)).toEqual(['t/0/3']);
  });
});

describe('one record cannot fail the job', () => {
  it('concatenating a batch with nothing gives the batch back, every column included', () => {
    const batch = decodeJob(job());
    const empty = decodeRecords([], { defaultService: '' });
    expect(concatBatches([empty, batch, empty])).toEqual(batch);
    const twice = concatBatches([batch, batch]);
    expect(twice.size).toBe(18);
    expect(twice.position).toEqual([...batch.position, ...batch.position]);
    expect(twice.deadLetters).toHaveLength(2);
    expect(twice.redactions.secret).toBe(2 * (batch.redactions.secret ?? 0));
  });

  it('given a record whose decoding throws, when the job is decoded, then it alone is rejected and dead-lettered', () => {
    const poisoned = job();
    // A record whose Kafka timestamp throws when read stands in for a bug that no decoder limit foresaw (the
    // decoders themselves turn what they throw into rejections).
    const record = { value: Buffer.from('{"msg":"x","time":1}'), headers: {} } as PositionedRecord['record'];
    Object.defineProperty(record, 'timestamp', {
      enumerable: true,
      get() {
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    poisoned.records = [poisoned.records[0]!, { position: 't/0/9', record }, poisoned.records[1]!];
    const batch = decodeJob(poisoned);
    expect(batch.size).toBe(9);
    expect(batch.records).toBe(3);
    expect(batch.rejected['decode-crashed']).toBe(1);
    expect(batch.deadLetters).toEqual([
      {
        position: 't/0/9',
        reason: 'decode-crashed',
        detail: 'RangeError: Maximum call stack size exceeded',
      },
    ]);
    expect(crashedRecord('p', 'plain').deadLetters[0]!.detail).toBe('plain');
  });
});

describe('DecodePool', () => {
  let pool: DecodePool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('decodes on a worker thread exactly as on the calling thread', async () => {
    pool = new DecodePool(1);
    expect(pool.size).toBe(1);
    const results = await Promise.all([pool.decode(job()), pool.decode(job())]);
    for (const r of results) expect(r).toEqual(decodeJob(job()));
    // Still one worker: it started, answered, and the pool did not fall back to this thread.
    expect(pool.size).toBe(1);
    // A worker loads tsx and the decoders first: seconds on a loaded machine. The reply itself is what is awaited.
  }, 60_000);

  it('given a worker that dies with a job in flight, then the job is decoded on this thread and the pool falls back', async () => {
    const failures: string[] = [];
    pool = new DecodePool(1, (reason) => failures.push(reason));
    const pending = pool.decode(job());
    // Terminated while still loading its modules: it cannot have answered.
    await (pool as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers[0]!.terminate();
    expect(await pending).toEqual(decodeJob(job()));
    expect(pool.size).toBe(0);
    expect(failures).toEqual([expect.stringMatching(/decode worker exited/)]);
  });

  it('with no workers, decodes on the calling thread', async () => {
    pool = new DecodePool(0);
    expect(pool.size).toBe(0);
    expect(await pool.decode(job())).toEqual(decodeJob(job()));
  });
});
