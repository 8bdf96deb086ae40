import type { TemplatedEvent } from '@self-healing/schemas';

/**
 * The step inside slowed requests that their slowdown comes from. A request's completion line ("GET /products
 * completed took 260 ms") says that requests got slower, not where: the log statement that writes it is the request
 * handler, which every request passes through. The lines the request's own steps wrote while it ran say where the
 * time went; the step whose time per request rose by most of the request's own rise is the one to look at, above all
 * when the release reworded or added its line, so that no latency history of its own exists for a detector to judge.
 *
 * A step belongs to a request when the request's instance wrote it inside the request's span (its end minus its
 * duration, to its end) and the step began inside that span too; a step and a request that both name a trace belong
 * together only when they name the same one. Steps logged without a trace (a shared component's logger) are then
 * attributed by time alone: on a busy instance a concurrent request's step may be counted too, which adds the same
 * noise before and after the onset and so cancels out in the rise.
 */
export interface InnerStep {
  templateId: string;
  template: string;
  /** Mean milliseconds of this step per request after the onset, less before it. */
  riseMs: number;
  /** The request line's own rise in mean duration, in milliseconds. */
  outerRiseMs: number;
  /** Requests compared: before the onset, after it. */
  before: number;
  after: number;
}

export interface InnerStepOptions {
  /** The field of `numbers` that holds a duration (the parse stage's `durationMs`). */
  durationField: string;
  /** Share of the request's rise the step must account for. */
  minShareOfRise: number;
  /** Requests needed on each side of the onset. */
  minRequests: number;
  /** Clock slack at either end of a request's span, in milliseconds (log times are whole milliseconds). */
  slackMs: number;
}

export const defaultInnerStepOptions: InnerStepOptions = {
  durationField: 'durationMs',
  minShareOfRise: 0.5,
  minRequests: 10,
  slackMs: 2,
};

interface Timed {
  event: TemplatedEvent;
  at: number;
  ms: number;
}

const durationOf = (e: TemplatedEvent, field: string): number | null => {
  const v = e.numbers[field];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
};

/** The step behind the slowdown of the requests whose completion line is `outerTemplateId`, or null. Pure. */
export function stepBehindSlowdown(
  events: readonly TemplatedEvent[],
  outerTemplateId: string,
  since: number,
  options: Partial<InnerStepOptions> = {},
): InnerStep | null {
  const o = { ...defaultInnerStepOptions, ...options };
  // Per instance, the timed lines in order of time: a request's steps are looked up by binary search.
  const byInstance = new Map<string, Timed[]>();
  const outer: Timed[] = [];
  for (const event of events) {
    const ms = durationOf(event, o.durationField);
    if (ms === null) continue;
    const timed = { event, at: event.timestamp, ms };
    if (event.templateId === outerTemplateId) outer.push(timed);
    else {
      const key = `${event.service}\u0000${event.host ?? ''}`;
      const list = byInstance.get(key);
      if (list) list.push(timed);
      else byInstance.set(key, [timed]);
    }
  }
  for (const list of byInstance.values()) list.sort((a, b) => a.at - b.at);
  const sides = { before: new Side(), after: new Side() };
  for (const request of outer) {
    const side = request.at < since ? sides.before : sides.after;
    side.requests++;
    side.requestMs += request.ms;
    const start = request.at - request.ms - o.slackMs;
    const end = request.at + o.slackMs;
    const list = byInstance.get(`${request.event.service}\u0000${request.event.host ?? ''}`) ?? [];
    for (let i = firstAtOrAfter(list, start); i < list.length && list[i]!.at <= end; i++) {
      const step = list[i]!;
      if (step.at - step.ms < start) continue;
      const a = request.event.traceId;
      const b = step.event.traceId;
      if (a !== null && b !== null && a !== b) continue;
      side.add(step.event, step.ms);
    }
  }
  const { before, after } = sides;
  if (before.requests < o.minRequests || after.requests < o.minRequests) return null;
  const outerRiseMs = after.requestMs / after.requests - before.requestMs / before.requests;
  if (!(outerRiseMs > 0)) return null;
  let best: InnerStep | null = null;
  for (const [templateId, ms] of after.msByTemplate) {
    const riseMs = ms / after.requests - (before.msByTemplate.get(templateId) ?? 0) / before.requests;
    if (riseMs < o.minShareOfRise * outerRiseMs) continue;
    if (best && (riseMs < best.riseMs || (riseMs === best.riseMs && templateId > best.templateId))) continue;
    best = {
      templateId,
      template: after.templates.get(templateId)!,
      riseMs,
      outerRiseMs,
      before: before.requests,
      after: after.requests,
    };
  }
  return best;
}

/** What the requests on one side of the onset spent in each step. */
class Side {
  requests = 0;
  requestMs = 0;
  readonly msByTemplate = new Map<string, number>();
  readonly templates = new Map<string, string>();

  add(event: TemplatedEvent, ms: number): void {
    this.msByTemplate.set(event.templateId, (this.msByTemplate.get(event.templateId) ?? 0) + ms);
    this.templates.set(event.templateId, event.template);
  }
}

function firstAtOrAfter(list: readonly Timed[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
