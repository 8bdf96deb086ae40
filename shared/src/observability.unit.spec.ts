import { describe, expect, it } from 'vitest';
import { InFlight, createMetrics, progressCheck, stuckAfterMs } from './observability.js';

describe('a stuck consumer shows in its health', () => {
  it('given a message in hand beyond the limit, then progress is not ok and names it; once done, ok again', async () => {
    let now = 1_000;
    const inFlight = new InFlight(() => now);
    const check = progressCheck(inFlight, 60_000);
    expect(await check()).toEqual({ ok: true, detail: 'idle' });
    const done = inFlight.start('commands/0/41');
    now += 30_000;
    expect(await check()).toEqual({ ok: true, detail: { inHand: 'commands/0/41', forMs: 30_000 } });
    now += 40_000;
    expect(await check()).toEqual({
      ok: false,
      detail: { stuck: 'commands/0/41', forMs: 70_000, limitMs: 60_000 },
    });
    done();
    expect((await check()).ok).toBe(true);
  });

  it('the oldest of several messages in hand counts', () => {
    let now = 0;
    const inFlight = new InFlight(() => now);
    inFlight.start('a');
    now = 5;
    const b = inFlight.start('b');
    now = 10;
    expect(inFlight.oldest()).toEqual({ what: 'a', forMs: 10 });
    b();
    expect(inFlight.oldest()?.what).toBe('a');
  });

  it('the limit comes from STUCK_AFTER_MS, else a default; metrics expose the oldest message in hand', async () => {
    expect(stuckAfterMs({ STUCK_AFTER_MS: '5000' })).toBe(5000);
    expect(stuckAfterMs({ STUCK_AFTER_MS: 'abc' })).toBe(180_000);
    const metrics = createMetrics('test', false);
    metrics.inFlight.start('x');
    expect(await metrics.registry.metrics()).toMatch(
      /selfhealing_oldest_message_in_hand_seconds\{service="test"\} \d/,
    );
  });
});
