// Pure arithmetic of the parse bench: beat timings from stage events, medians over runs, distinct messages.
import { median } from './metrics.js';

/** The part of a stage event's meta the timings need. */
export interface BeatMeta {
  type: string;
  seq: number;
  handler: string | null;
  attempt: number;
  startedAt: number | null;
  occurredAt: number;
}

export interface BeatTiming {
  event: string;
  handler: string | null;
  attempt: number;
  /** The handler's own time: occurredAt - startedAt of its event. */
  seconds: number;
  /**
   * Time between the previous beat's event (the request, for the first beat) and this beat's start: commit of
   * the previous transaction, consumer fetch, state load. Not work of any handler, but part of the run.
   */
  waitSeconds: number;
}

const s = (ms: number) => Math.round(ms) / 1000;

/** One timing per event, in seq order; `requestedAt` is when the parse command was sent. */
export function beatTimings(events: readonly BeatMeta[], requestedAt: number): BeatTiming[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  let previous = requestedAt;
  return sorted.map((e) => {
    const started = e.startedAt ?? e.occurredAt;
    const t: BeatTiming = {
      event: e.type,
      handler: e.handler,
      attempt: e.attempt,
      seconds: s(e.occurredAt - started),
      waitSeconds: s(started - previous),
    };
    previous = e.occurredAt;
    return t;
  });
}

/** Per event type, the median handler and wait seconds over runs, and its share of the median parse time. */
export function medianBeats(
  runs: readonly BeatTiming[][],
  parseSeconds: number,
): Array<{
  event: string;
  handler: string | null;
  seconds: number;
  waitSeconds: number;
  shareOfParse: number;
}> {
  const order: string[] = [];
  const by = new Map<string, { handler: string | null; seconds: number[]; wait: number[] }>();
  for (const run of runs) {
    for (const b of run) {
      let e = by.get(b.event);
      if (!e) {
        e = { handler: b.handler, seconds: [], wait: [] };
        by.set(b.event, e);
        order.push(b.event);
      }
      e.seconds.push(b.seconds);
      e.wait.push(b.waitSeconds);
    }
  }
  return order.map((event) => {
    const e = by.get(event)!;
    const sec = round3(median(e.seconds));
    return {
      event,
      handler: e.handler,
      seconds: sec,
      waitSeconds: round3(median(e.wait)),
      shareOfParse: parseSeconds > 0 ? Math.round((sec / parseSeconds) * 1000) / 1000 : 0,
    };
  });
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const COMPONENTS = [
  'orders',
  'payments',
  'cart',
  'auth',
  'inventory',
  'shipping',
  'search',
  'catalog',
  'users',
  'billing',
  'gateway',
  'cache',
  'queue',
  'mailer',
  'scheduler',
  'reports',
  'pricing',
  'coupons',
  'reviews',
  'media',
];
const ACTIONS = [
  'started',
  'stopped',
  'failed',
  'retrying',
  'accepted',
  'rejected',
  'loaded',
  'saved',
  'skipped',
  'opened',
  'closed',
  'queued',
  'sent',
  'received',
  'expired',
  'renewed',
  'paused',
  'resumed',
  'reset',
  'flushed',
];

/** A lower-case word of 3..9 letters: never a number, an id or an enum constant, so the miner keeps it literal. */
function word(next: () => number): string {
  const n = 3 + Math.floor(next() * 7);
  let w = '';
  for (let i = 0; i < n; i++) w += String.fromCharCode(97 + Math.floor(next() * 26));
  return w;
}

/**
 * A message that is a template of its own: a component and an action from small vocabularies (as real logs
 * start, so the prefix tree spreads messages over its leaves as in production), then 4..16 random words, so
 * no two messages share enough tokens to join one template.
 */
export function distinctMessage(next: () => number): string {
  const parts = [
    COMPONENTS[Math.floor(next() * COMPONENTS.length)]!,
    ACTIONS[Math.floor(next() * ACTIONS.length)]!,
  ];
  const extra = 4 + Math.floor(next() * 13);
  for (let i = 0; i < extra; i++) parts.push(word(next));
  return parts.join(' ');
}
