import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The messages a process is working on now, and since when. A consumer that holds one message for minutes (a
 * dependency that never answers, retries that never end) blocks every message behind it on its partition: the
 * health check reports it stuck rather than ok.
 */
export class InFlight {
  private readonly started = new Map<number, { what: string; at: number }>();
  private next = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Marks `what` (e.g. `topic/partition/offset`) as begun; call the returned function when it is done. */
  start(what: string): () => void {
    const id = this.next++;
    this.started.set(id, { what, at: this.now() });
    return () => void this.started.delete(id);
  }

  /** The message in hand for the longest time, if any. */
  oldest(): { what: string; forMs: number } | null {
    let oldest: { what: string; at: number } | null = null;
    for (const s of this.started.values()) if (oldest === null || s.at < oldest.at) oldest = s;
    return oldest === null ? null : { what: oldest.what, forMs: this.now() - oldest.at };
  }
}

/** How long one message may be in hand before `/health` calls the consumer stuck (`STUCK_AFTER_MS`). */
export const DEFAULT_STUCK_AFTER_MS = 180_000;

export function stuckAfterMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.STUCK_AFTER_MS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_STUCK_AFTER_MS;
}

/** A health check that fails while some message has been in hand for longer than `limitMs`. */
export function progressCheck(inFlight: InFlight, limitMs: number): HealthCheck {
  return () => {
    const oldest = inFlight.oldest();
    if (oldest === null || oldest.forMs <= limitMs)
      return Promise.resolve({
        ok: true,
        detail: oldest ? { inHand: oldest.what, forMs: oldest.forMs } : 'idle',
      });
    return Promise.resolve({
      ok: false,
      detail: { stuck: oldest.what, forMs: oldest.forMs, limitMs },
    });
  };
}

/** The Prometheus metrics every consumer exposes; one registry per service process. */
export interface Metrics {
  registry: Registry;
  messages: Counter<'topic'>;
  failures: Counter<'topic'>;
  deadLetters: Counter<'topic'>;
  lag: Gauge<'topic' | 'partition'>;
  beatDuration: Histogram<'handler' | 'outcome'>;
  /** Messages in hand now; the consumer loop marks each one it works on (see `progressCheck`). */
  inFlight: InFlight;
}

export function createMetrics(service: string, withDefaults = true): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const inFlight = new InFlight();
  new Gauge({
    name: 'selfhealing_oldest_message_in_hand_seconds',
    help: 'How long the message in hand for the longest time has been worked on (0 when idle)',
    registers: [registry],
    collect() {
      this.set((inFlight.oldest()?.forMs ?? 0) / 1000);
    },
  });
  return {
    registry,
    inFlight,
    messages: new Counter({
      name: 'selfhealing_messages_total',
      help: 'Messages consumed',
      labelNames: ['topic'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'selfhealing_failures_total',
      help: 'Messages given up on after retries',
      labelNames: ['topic'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'selfhealing_dead_letters_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'selfhealing_consumer_lag',
      help: 'Offset lag at the end of the last batch',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    beatDuration: new Histogram({
      name: 'selfhealing_beat_duration_seconds',
      help: 'Time a beat handler took',
      labelNames: ['handler', 'outcome'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
      registers: [registry],
    }),
  };
}

export type HealthCheck = () => Promise<{ ok: boolean; detail?: unknown }>;

/**
 * `/health` (200 when every check passes, 503 otherwise) and `/metrics` (Prometheus text format). Besides the
 * given checks, `/health` always reports `progress`: a consumer holding one message beyond `STUCK_AFTER_MS`.
 */
export function startHttp(
  port: number,
  metrics: Metrics,
  givenChecks: Record<string, HealthCheck>,
): Promise<Server> {
  const checks: Record<string, HealthCheck> = {
    progress: progressCheck(metrics.inFlight, stuckAfterMs()),
    ...givenChecks,
  };
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
      return;
    }
    if (req.url === '/health') {
      const results: Record<string, unknown> = {};
      let ok = true;
      for (const [name, check] of Object.entries(checks)) {
        try {
          const r = await check();
          results[name] = r;
          ok &&= r.ok;
        } catch (error) {
          results[name] = { ok: false, detail: String(error) };
          ok = false;
        }
      }
      res.statusCode = ok ? 200 : 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok, checks: results }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
