import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { ValueNoveltyDetector, codesLike, countsLike, judgedParams, recurrenceBound } from './novelty.js';
import { poissonUpper } from './rateWindows.js';
import { prng } from '@self-healing/shared';

const CHARGED = 'charged <*> EUR to card <*> took <*> ms';

function line(timestamp: number, params: string[], numbers: Record<string, number> = {}): TemplatedEvent {
  return {
    timestamp,
    service: 'checkout',
    host: null,
    level: 'info',
    component: null,
    templateId: 't-charged',
    template: CHARGED,
    params,
    traceId: `tr-${timestamp}`,
    spanId: null,
    sessionId: null,
    numbers,
    stack: [],
  };
}

/** A shop's order totals: a catalogue of prices, a few items per order, so a few hundred common totals. */
function orderTotal(rnd: () => number): number {
  const prices = [8.85, 11.85, 12.85, 14.85, 20.85, 24.85, 39.85, 129];
  const items = 1 + Math.floor(rnd() * 3);
  let cents = 0;
  for (let i = 0; i < items; i++)
    cents += Math.round(prices[Math.floor(rnd() ** 1.5 * prices.length)]! * 100);
  return cents / 100;
}

/**
 * `minutes` minutes of `perMinute` charges each; from `releaseAt` on (event time), `release` changes the total.
 * The card is one of three, the duration a measured quantity.
 */
function traffic(
  detector: ValueNoveltyDetector,
  minutes: number,
  opts: { perMinute?: number; seed?: number; releaseAt?: number; release?: (total: number) => number } = {},
): Finding[] {
  const rnd = prng(opts.seed ?? 1);
  const perMinute = opts.perMinute ?? 150;
  const findings: Finding[] = [];
  for (let i = 0; i < minutes * perMinute; i++) {
    const t = Math.floor((i * 60_000) / perMinute);
    let total = orderTotal(rnd);
    if (opts.release && opts.releaseAt !== undefined && t >= opts.releaseAt) total = opts.release(total);
    const took = 20 + Math.floor(rnd() * 30);
    const card = ['4242', '0002', '0036'][Math.floor(rnd() * 3)]!;
    findings.push(...detector.push(line(t, [total.toFixed(2), card, String(took)], { durationMs: took })));
  }
  findings.push(...detector.advance(minutes * 60_000 + 10_000, 'checkout'));
  return findings;
}

describe('values never seen before', () => {
  it('given order totals from a steady mix for two hours, then nothing is reported', () => {
    for (const seed of [1, 2, 3]) expect(traffic(new ValueNoveltyDetector(), 120, { seed })).toEqual([]);
  });

  it('given a release that charges shipping on orders it used to ship free, then the totals are reported once', () => {
    const findings = traffic(new ValueNoveltyDetector(), 40, {
      releaseAt: 20 * 60_000,
      release: (total) => (total >= 50 && total < 500 ? total + 4.95 : total),
    });
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({ kind: 'behavioral', rule: 'unseen-values', subject: 't-charged#1' });
    expect(f!.templateIds).toEqual(['t-charged']);
    expect(f!.since).toBeGreaterThanOrEqual(20 * 60_000);
    expect(f!.at).toBeLessThanOrEqual(24 * 60_000);
    expect(f!.explanation).toContain(`"${CHARGED}"`);
    expect(f!.explanation).toMatch(/new: "\d+\.\d\d" ×\d+/);
    expect(f!.evidence['p']).toBeLessThan(1e-6);
  });

  it('given a parameter with a few values, when a release adds one to a few lines a minute, then it is reported', () => {
    const detector = new ValueNoveltyDetector();
    const rnd = prng(7);
    const findings: Finding[] = [];
    for (let i = 0; i < 30 * 100; i++) {
      const t = i * 600;
      const reasons = ['out_of_stock', 'out_of_stock', 'not_found', 'empty_cart', 'coupon_expired'];
      let code = reasons[Math.floor(rnd() * reasons.length)]!;
      if (t >= 20 * 60_000 && rnd() < 0.06) code = 'quantity_too_large';
      findings.push(
        ...detector.push({
          ...line(t, [code]),
          templateId: 't-rejected',
          template: 'request rejected code=<*>',
        }),
      );
    }
    findings.push(...detector.advance(30 * 60_000 + 10_000, 'checkout'));
    expect(findings.map((f) => f.subject)).toEqual(['t-rejected#1']);
    expect(findings[0]!.explanation).toContain('"quantity_too_large"');
  });

  it('given ids, new on every line, then they are never reported and their values are dropped', () => {
    const detector = new ValueNoveltyDetector({ maxDistinct: 500 });
    const findings: Finding[] = [];
    for (let i = 0; i < 3_000; i++)
      findings.push(...detector.push({ ...line(i * 400, [`o-${i}`]), template: 'order <*> created' }));
    expect(findings).toEqual([]);
    const [series] = detector.snapshot().series;
    expect(series).toMatchObject({ free: true, values: [] });
  });

  it('given values an attacker chose (long, all different, on many templates), then what is kept stays bounded', () => {
    const detector = new ValueNoveltyDetector({ maxValues: 5_000, maxDistinct: 2_000 });
    for (let i = 0; i < 20_000; i++)
      detector.push({
        ...line(i * 10, [`${'x'.repeat(10_000)}${i}`, String(i % 7)]),
        templateId: `t-${i % 40}`,
        template: `hostile ${i % 40} <*> <*>`,
      });
    const kept = detector.snapshot().series;
    const values = kept.flatMap((s) => [
      ...s.values.map((v) => v[0]),
      ...(s.window?.counts.map((c) => c[0]) ?? []),
    ]);
    expect(values.length).toBeLessThanOrEqual(5_000);
    expect(Math.max(...values.map((v) => v.length))).toBeLessThanOrEqual(120);
    // The short codes of every template are still followed.
    expect(kept.filter((s) => s.index === 1 && !s.free)).toHaveLength(40);
    const restored = ValueNoveltyDetector.restore(JSON.parse(JSON.stringify(detector.snapshot())));
    expect(restored.snapshot()).toEqual(detector.snapshot());
  });

  it("given a session's id, repeated on its lines within seconds and never again, then it is not reported", () => {
    const detector = new ValueNoveltyDetector();
    const findings: Finding[] = [];
    // A cart every 300 ms, each with four lines over the next second and a half: ids cross window boundaries.
    for (let cart = 0; cart < 40 * 200; cart++)
      for (let k = 0; k < 4; k++)
        findings.push(
          ...detector.push({ ...line(cart * 300 + k * 500, [`c-${cart}`]), template: 'cart <*> added' }),
        );
    expect(findings).toEqual([]);
  });

  it('given values that are object keys in JavaScript, then they are counted as any other value', () => {
    const detector = new ValueNoveltyDetector();
    const findings: Finding[] = [];
    for (let i = 0; i < 30 * 100; i++) {
      const t = i * 600;
      const value = t >= 20 * 60_000 && i % 10 === 0 ? '__proto__' : ['constructor', 'toString'][i % 2]!;
      findings.push(...detector.push({ ...line(t, [value]), template: 'lookup <*>' }));
    }
    expect(findings.map((f) => f.explanation)).toEqual([expect.stringContaining('"__proto__" ×')]);
    const restored = ValueNoveltyDetector.restore(JSON.parse(JSON.stringify(detector.snapshot())));
    expect(restored.snapshot()).toEqual(detector.snapshot());
  });

  it('given durations the parse stage measured, when they all grow, then they are left to the performance detector', () => {
    const detector = new ValueNoveltyDetector();
    const findings: Finding[] = [];
    for (let i = 0; i < 40 * 60; i++) {
      const took = i < 20 * 60 ? 10 + (i % 5) : 300 + (i % 50);
      findings.push(...detector.push(line(i * 1000, ['9.99', '4242', String(took)], { durationMs: took })));
    }
    expect(findings).toEqual([]);
    expect(detector.snapshot().series.map((s) => s.index)).toEqual([0, 1]);
  });

  it('given a new value that persists, then it becomes a known one and is not reported again', () => {
    const detector = new ValueNoveltyDetector({ quietMs: 10 * 60_000 });
    const findings = traffic(detector, 120, {
      releaseAt: 20 * 60_000,
      release: (total) => Math.round(total * 107) / 100,
    });
    expect(findings).toHaveLength(1);
  });

  it('given a snapshot taken mid-stream, when restored, then it reports exactly what the uninterrupted detector does', () => {
    const release = { releaseAt: 20 * 60_000, release: (total: number) => total + 0.01 };
    const whole = traffic(new ValueNoveltyDetector(), 30, release);
    expect(whole).toHaveLength(1);
    // The same stream cut at minute 21 and continued by a detector restored from the first one's snapshot.
    const first = new ValueNoveltyDetector();
    const rnd = prng(1);
    const findings: Finding[] = [];
    let restored: ValueNoveltyDetector | null = null;
    for (let i = 0; i < 30 * 150; i++) {
      const t = Math.floor((i * 60_000) / 150);
      if (t >= 21 * 60_000 && !restored)
        restored = ValueNoveltyDetector.restore(JSON.parse(JSON.stringify(first.snapshot())));
      let total = orderTotal(rnd);
      if (t >= release.releaseAt) total = release.release(total);
      const took = 20 + Math.floor(rnd() * 30);
      const card = ['4242', '0002', '0036'][Math.floor(rnd() * 3)]!;
      const e = line(t, [total.toFixed(2), card, String(took)], { durationMs: took });
      findings.push(...(restored ?? first).push(e));
    }
    findings.push(...restored!.advance(30 * 60_000 + 10_000, 'checkout'));
    expect(findings).toEqual(whole);
  });

  it('given a release that changes the total of one common basket, then the new total is reported as it recurs', () => {
    const findings = traffic(new ValueNoveltyDetector(), 40, {
      releaseAt: 20 * 60_000,
      release: (total) => (total === 129 ? 133.95 : total),
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence['test']).toBe('recurring-value');
    expect(findings[0]!.explanation).toContain('took "133.95", absent from its');
    expect(findings[0]!.at).toBeLessThanOrEqual(23 * 60_000);
  });

  it('given codes hashed from counters two processes share, when a deploy restarts both, then they are not judged', () => {
    // Two instances number their orders alike, and the payment code is a hash of the order number: every code shows
    // up twice, so about half the lines bring a new one. A deploy restarts both counters at once.
    const code = (n: number) =>
      createHash('sha256').update(`order-${n}`).digest('hex').slice(0, 6).toUpperCase();
    const detector = new ValueNoveltyDetector();
    const findings: Finding[] = [];
    const counters = [900, 400];
    for (let i = 0; i < 30 * 120; i++) {
      const t = i * 500;
      if (t === 20 * 60_000) counters.fill(0);
      // A few codes recur all the time (orders replayed under the same number), so fewer than half are new.
      const hot = i % 5 === 0 ? code(i % 15) : null;
      findings.push(...detector.push(line(t, ['20.85', '4242', hot ?? code(++counters[i % 2]!)])));
    }
    findings.push(...detector.advance(31 * 60_000, 'checkout'));
    expect(findings).toEqual([]);
    expect(codesLike(Array.from({ length: 60 }, (_, i) => code(i)))).toBe(true);
    // A hash's codes are all digits now and then (one in 17 for six characters): 7 of 60 such still make codes.
    expect(
      codesLike(Array.from({ length: 60 }, (_, i) => (i < 7 ? String(100000 + i * 7919) : code(i)))),
    ).toBe(true);
    // Coupon codes, amounts and card endings are no such codes.
    expect(codesLike(Array.from({ length: 60 }, (_, i) => `SAVE${i}`))).toBe(false);
    expect(codesLike(Array.from({ length: 60 }, (_, i) => `${(5 + i * 7.35).toFixed(2)}`))).toBe(false);
    expect(codesLike(Array.from({ length: 60 }, (_, i) => String(1000 + i)))).toBe(false);
  });

  it('given ids from per-process counters that a deploy restarts, then they are not judged', () => {
    const run = () => {
      const detector = new ValueNoveltyDetector();
      const findings: Finding[] = [];
      // Three processes, running for a while when the history begins, number their carts from where they are (the
      // same ids, at different times); a deploy at minute 20 restarts all three from 1 at once, numbers last used
      // before the history began.
      const counters = [1_600, 1_300, 1_000];
      for (let i = 0; i < 30 * 120; i++) {
        const t = i * 500;
        if (t === 20 * 60_000) counters.fill(0);
        const cart = `c-${++counters[i % 3]!}`;
        for (let k = 0; k < 3; k++)
          findings.push(...detector.push({ ...line(t + k * 100, [cart]), template: 'cart <*> added' }));
      }
      return findings;
    };
    expect(run()).toEqual([]);
    expect(countsLike(['c-7', 'c-8', ...Array.from({ length: 60 }, (_, i) => `c-${100 + i}`)])).toBe(true);
    expect(countsLike(Array.from({ length: 60 }, (_, i) => `${(5 + i * 7.35).toFixed(2)}`))).toBe(false);
    expect(countsLike(Array.from({ length: 60 }, (_, i) => String(500 + i * 97)))).toBe(false);
  });

  it('bounds how probable a value absent before is to recur: small after a long history, large after a short one', () => {
    expect(recurrenceBound(5, 150, 1_500)).toBeLessThan(1e-5);
    expect(recurrenceBound(5, 150, 50)).toBeGreaterThan(1e-2);
    expect(recurrenceBound(8, 150, 1_500)).toBeLessThan(recurrenceBound(5, 150, 1_500));
  });

  it('bounds a Poisson mean from above: about three for nothing seen, a little above the count for many', () => {
    expect(poissonUpper(0)).toBeCloseTo(3.0, 1);
    expect(poissonUpper(100)).toBeGreaterThan(110);
    expect(poissonUpper(100)).toBeLessThan(120);
  });
});

describe('judgedParams', () => {
  it('leaves out what the line measured, not a count that happens to equal it', () => {
    const e = {
      ...line(0, ['1', '12.00', '1']),
      template: 'cart validated items=<*> total=<*> took <*> ms',
      numbers: { durationMs: 1 },
    };
    expect(judgedParams(e, 120)).toEqual([
      [0, '1'],
      [1, '12.00'],
    ]);
    const sized = {
      ...line(0, ['4096', 'ok']),
      template: 'wrote size=<*> status=<*>',
      numbers: { sizeBytes: 4096 },
    };
    expect(judgedParams(sized, 120)).toEqual([[1, 'ok']]);
    const dated = { ...line(0, ['2026-12-07T10:00:00Z', 'a']), template: 'at <*> did <*>' };
    expect(judgedParams(dated, 120)).toEqual([[1, 'a']]);
  });
});
