import { describe, expect, it } from 'vitest';
import type { TemplatedEvent } from '@self-healing/schemas';
import { stepBehindSlowdown } from './innerStep.js';
import { timedLine } from './testing/timedLine.js';

const ONSET = 600_000;

const line = timedLine;

/**
 * Requests every 2 s from 0 to 20 minutes on one instance, each with its steps logged as they end, one after the
 * other, the request's completion line last. `steps(before)` gives each step's name, duration and whether it names
 * the request's trace.
 */
function traffic(steps: (after: boolean) => Array<[string, number, boolean]>): TemplatedEvent[] {
  const events: TemplatedEvent[] = [];
  for (let start = 0, n = 0; start < 1_200_000; start += 2000, n++) {
    const trace = `trace-${n}`;
    let at = start + 1;
    for (const [name, ms, traced] of steps(start >= ONSET)) {
      at += ms;
      events.push(line(name, at, ms, { traceId: traced ? trace : null }));
    }
    events.push(line('completed', at + 1, at + 1 - start, { traceId: trace }));
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

describe('the step behind slowed requests', () => {
  it('given a step the release added without a trace, taking most of the new time, then that step', () => {
    // Before: the listing came from a cache (no line); after: a full read, logged by a component without the trace.
    const events = traffic((after) => [
      ['authenticated', 2, true],
      ...(after ? ([['listing read', 240, false]] as Array<[string, number, boolean]>) : []),
    ]);
    const step = stepBehindSlowdown(events, 'completed', ONSET)!;
    expect(step.templateId).toBe('listing read');
    expect(step.riseMs).toBeCloseTo(240, 0);
    expect(step.outerRiseMs).toBeCloseTo(240, 0);
    expect(step).toMatchObject({ before: 300, after: 300 });
  });

  it('given one step slower and a slow one unchanged, then the one that rose, not the one that takes longest', () => {
    const events = traffic((after) => [
      ['authenticated', after ? 66 : 1, true],
      ['charged', 25, true],
    ]);
    expect(stepBehindSlowdown(events, 'completed', ONSET)?.templateId).toBe('authenticated');
  });

  it("given another request's step inside the span, named by another trace, then it is not counted", () => {
    const events = traffic((after) => [['authenticated', after ? 60 : 1, true]]);
    // Every request of the second half overlaps a long step of some other request, traced to that request.
    for (let start = ONSET; start < 1_200_000; start += 2000)
      events.push(line('export', start + 63, 61, { traceId: `other-${start}` }));
    events.sort((a, b) => a.timestamp - b.timestamp);
    expect(stepBehindSlowdown(events, 'completed', ONSET)?.templateId).toBe('authenticated');
  });

  it('given every step a little slower (a busier machine), then none accounts for the rise', () => {
    const events = traffic((after) => [
      ['authenticated', after ? 20 : 10, true],
      ['validated', after ? 20 : 10, true],
      ['charged', after ? 20 : 10, true],
    ]);
    expect(stepBehindSlowdown(events, 'completed', ONSET)).toBeNull();
  });

  it('given too few requests on a side, or requests that did not get slower, then nothing', () => {
    const events = traffic((after) => [['authenticated', after ? 66 : 1, true]]);
    expect(stepBehindSlowdown(events, 'completed', 10_000)).toBeNull();
    expect(
      stepBehindSlowdown(
        traffic(() => [['authenticated', 5, true]]),
        'completed',
        ONSET,
      ),
    ).toBeNull();
  });

  it('given steps of another instance at the same times, then they are not counted', () => {
    const events = traffic((after) => [['authenticated', after ? 66 : 1, true]]).map((e) =>
      e.templateId === 'authenticated' ? { ...e, host: 'i-2', traceId: null } : e,
    );
    expect(stepBehindSlowdown(events, 'completed', ONSET)).toBeNull();
  });
});
