import { afterEach, describe, expect, it } from 'vitest';
import { DecodePool, decodeJob, packJob, unpackJob, type DecodeJob } from './decode-pool.js';

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
    expect(batch.service.slice(4, 6)).toEqual(['checkout', 'checkout']);
    expect(batch.deadLetters.map((d) => d.position)).toEqual(['t/0/3']);
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
  });

  it('with no workers, decodes on the calling thread', async () => {
    pool = new DecodePool(0);
    expect(pool.size).toBe(0);
    expect(await pool.decode(job())).toEqual(decodeJob(job()));
  });
});
