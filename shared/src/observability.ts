import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics every consumer exposes; one registry per service process. */
export interface Metrics {
  registry: Registry;
  messages: Counter<'topic'>;
  failures: Counter<'topic'>;
  deadLetters: Counter<'topic'>;
  lag: Gauge<'topic' | 'partition'>;
  beatDuration: Histogram<'handler' | 'outcome'>;
}

export function createMetrics(service: string, withDefaults = true): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
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

/** `/health` (200 when every check passes, 503 otherwise) and `/metrics` (Prometheus text format). */
export function startHttp(
  port: number,
  metrics: Metrics,
  checks: Record<string, HealthCheck>,
): Promise<Server> {
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
