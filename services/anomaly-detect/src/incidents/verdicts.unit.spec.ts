import { describe, expect, it } from 'vitest';
import type { Finding } from '@self-healing/schemas';
import { emptyIncidentReducerState, evolve } from './reducer.js';
import { findingId } from './stable-id.js';
import { applyVerdict } from './verdicts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function finding(over: Partial<Finding> & { since: number }): Finding {
  const base = {
    kind: 'error' as const,
    rule: 'new-error-template',
    service: 'checkout',
    subject: 't-timeout',
    templateIds: ['t-timeout'],
    at: over.since,
    magnitude: 25,
    explanation: 'x',
    evidence: {},
    ...over,
  };
  return { id: findingId(base.kind, base.rule, base.service, base.subject, base.since), ...base };
}

/** One open incident, opened by a new error template at 0. */
function opened() {
  const r = evolve(emptyIncidentReducerState(), [finding({ since: 0 })], MIN);
  return { state: r.state, id: r.opened[0]!.id };
}

describe('an operator dismisses an incident as not a problem', () => {
  it('resolves it as dismissed, and its templates and subjects open nothing during the quiet time', () => {
    const { state, id } = opened();
    const d = applyVerdict(state, { incidentId: id, action: 'dismiss', at: 2 * MIN, suppressForMs: HOUR });
    expect(d.action).toBe('resolve');
    expect(d.incident).toMatchObject({
      status: 'resolved',
      resolution: 'dismissed',
      quietUntil: 2 * MIN + HOUR,
    });
    expect(state.incidents[id]!.status).toBe('open'); // the input is not modified

    // The same template again, as a new finding (another rule) and as a redelivered one: nothing opens.
    const again = evolve(
      d.state,
      [
        finding({ since: 10 * MIN }),
        finding({ rule: 'error-burst', subject: 'error-rate', since: 12 * MIN }),
      ],
      13 * MIN,
    );
    expect(again.opened).toEqual([]);
    expect(again.reopened).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.quieted).toBe(2);
    expect(again.state.incidents[id]!.findingCount).toBe(3);
  });

  it('silences only what it covered: another template of the same rule opens its own incident', () => {
    const { state, id } = opened();
    const d = applyVerdict(state, { incidentId: id, action: 'dismiss', at: 2 * MIN, suppressForMs: HOUR });
    const other = evolve(
      d.state,
      [finding({ subject: 't-refused', templateIds: ['t-refused'], since: 5 * MIN })],
      6 * MIN,
    );
    expect(other.opened).toHaveLength(1);
    expect(other.opened[0]!.id).not.toBe(id);
  });

  it('after the quiet time, the same cause re-opens it, saying it had been dismissed', () => {
    const { state, id } = opened();
    const d = applyVerdict(state, { incidentId: id, action: 'dismiss', at: 2 * MIN, suppressForMs: HOUR });
    const later = evolve(d.state, [finding({ since: 2 * HOUR })], 2 * HOUR + MIN);
    expect(later.reopened.map((i) => i.id)).toEqual([id]);
    expect(later.state.incidents[id]).toMatchObject({
      status: 'open',
      resolution: 'dismissed',
      reopenCount: 1,
    });
  });

  it('keeps a dismissed incident in memory while it is quiet, past the re-open horizon', () => {
    const { state, id } = opened();
    const d = applyVerdict(state, {
      incidentId: id,
      action: 'dismiss',
      at: 2 * MIN,
      suppressForMs: 7 * 24 * HOUR,
    });
    const dayLater = evolve(d.state, [], 2 * 24 * HOUR);
    expect(dayLater.state.incidents[id]).toBeDefined();
    const weekLater = evolve(d.state, [], 8 * 24 * HOUR);
    expect(weekLater.state.incidents[id]).toBeUndefined();
  });
});

describe("learning.track's judgement of a deployed fix", () => {
  it('fixed: resolves an open incident as fixed; a later recurrence re-opens it', () => {
    const { state, id } = opened();
    const f = applyVerdict(state, { incidentId: id, action: 'fixed', at: 30 * MIN, suppressForMs: 0 });
    expect(f.action).toBe('resolve');
    expect(f.incident).toMatchObject({ status: 'resolved', resolution: 'fixed', resolvedAt: 30 * MIN });
    // A late finding from before the fix belongs to the old episode; one after it re-opens.
    const late = evolve(f.state, [finding({ since: 20 * MIN })], 31 * MIN);
    expect(late.reopened).toEqual([]);
    const after = evolve(f.state, [finding({ since: 40 * MIN })], 41 * MIN);
    expect(after.reopened.map((i) => i.id)).toEqual([id]);
    expect(after.state.incidents[id]!.resolution).toBe('fixed');
  });

  it('fixed: an incident that already recovered stays as it was, and nothing is announced', () => {
    const { state, id } = opened();
    const recovered = evolve(state, [], 3 * HOUR).state;
    expect(recovered.incidents[id]!.resolution).toBe('recovered');
    const f = applyVerdict(recovered, { incidentId: id, action: 'fixed', at: 3 * HOUR, suppressForMs: 0 });
    expect(f.action).toBe('none');
    expect(f.state).toBe(recovered);
  });

  it('not fixed: re-opens an incident that went quiet meanwhile, and the next run does not resolve it at once', () => {
    const { state, id } = opened();
    const recovered = evolve(state, [], HOUR).state;
    const n = applyVerdict(recovered, {
      incidentId: id,
      action: 'not_fixed',
      at: HOUR + MIN,
      suppressForMs: 0,
    });
    expect(n.action).toBe('reopen');
    expect(n.incident).toMatchObject({ status: 'open', reopenCount: 1, lastSeen: HOUR + MIN });
    expect(evolve(n.state, [], HOUR + 2 * MIN).resolved).toEqual([]);
  });

  it('not fixed: an open incident stays open, a dismissed one stays closed, an unknown one is named', () => {
    const { state, id } = opened();
    expect(
      applyVerdict(state, { incidentId: id, action: 'not_fixed', at: MIN, suppressForMs: 0 }).action,
    ).toBe('none');
    const d = applyVerdict(state, { incidentId: id, action: 'dismiss', at: MIN, suppressForMs: HOUR });
    expect(
      applyVerdict(d.state, { incidentId: id, action: 'not_fixed', at: 2 * MIN, suppressForMs: 0 }).action,
    ).toBe('none');
    const unknown = applyVerdict(state, { incidentId: 'inc-x', action: 'fixed', at: MIN, suppressForMs: 0 });
    expect(unknown).toMatchObject({ action: 'none', incident: null });
    expect(unknown.note).toMatch(/no incident inc-x/);
  });
});
