import { randomBytes } from 'node:crypto';
import { planScenarios, type PlannedRequest, type Scenario, type ScenarioKind } from './mix.js';

export interface TrafficOptions {
  /** Base URL of the load balancer's frontend. */
  url: string;
  seed: number;
  /** Scenarios started per second. */
  rate: number;
  /** Stop after this many scenarios ... */
  scenarios: number;
  /** ... or after this long, whichever comes first. */
  maxDurationMs: number;
  /** Scenarios running at once; above it, starts wait (the rate is then not reached, and the report says so). */
  maxConcurrent?: number;
  /** Bearer token of a shopper account of the sample service. */
  token?: string;
  /** Shares of the scenario kinds (default `defaultWeights`), e.g. to add the kinds that are off by default. */
  weights?: Readonly<Record<ScenarioKind, number>>;
  timeoutMs?: number;
  onRequest?: (result: RequestResult) => void;
}

export interface RequestResult {
  scenario: ScenarioKind;
  method: string;
  /** The route, with the cart id left as `{cart}`, so results group by route. */
  route: string;
  /** 0 when no HTTP answer came (connection refused, timeout). */
  status: number;
  /** The service answered as the scenario expects (e.g. a decline is 402). */
  expected: boolean;
  latencyMs: number;
  /** The load balancer's server slot that answered (x-target-server). */
  server: string;
  error?: string;
}

export interface TrafficReport {
  scenarios: number;
  requests: number;
  durationMs: number;
  /** Scenarios started per second, as achieved. */
  achievedRate: number;
  byStatus: Record<string, number>;
  unexpected: number;
  /** No HTTP answer at all. */
  failed: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  byServer: Record<string, { requests: number; unexpected: number; p95: number }>;
  results: RequestResult[];
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(results: RequestResult[], scenarios: number, durationMs: number): TrafficReport {
  const byStatus: Record<string, number> = {};
  const servers = new Map<string, RequestResult[]>();
  for (const r of results) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    servers.set(r.server, [...(servers.get(r.server) ?? []), r]);
  }
  const sortedLatency = (rs: RequestResult[]) => rs.map((r) => r.latencyMs).sort((a, b) => a - b);
  const all = sortedLatency(results);
  return {
    scenarios,
    requests: results.length,
    durationMs,
    achievedRate: durationMs > 0 ? (scenarios * 1000) / durationMs : 0,
    byStatus,
    unexpected: results.filter((r) => !r.expected).length,
    failed: results.filter((r) => r.status === 0).length,
    latencyMs: {
      p50: quantile(all, 0.5),
      p95: quantile(all, 0.95),
      p99: quantile(all, 0.99),
      max: all.at(-1) ?? 0,
    },
    byServer: Object.fromEntries(
      [...servers].map(([server, rs]) => [
        server,
        {
          requests: rs.length,
          unexpected: rs.filter((r) => !r.expected).length,
          p95: quantile(sortedLatency(rs), 0.95),
        },
      ]),
    ),
    results,
  };
}

/**
 * Runs a seeded request mix against the target at a set rate, bounded in count and time. Each scenario keeps the
 * load balancer's cookie, so its requests reach the instance that holds its cart.
 */
export async function driveTraffic(opts: TrafficOptions): Promise<TrafficReport> {
  if (!(opts.rate > 0)) throw new Error('rate must be above 0 scenarios per second');
  const plan = planScenarios(opts.seed, opts.scenarios, opts.weights);
  const results: RequestResult[] = [];
  const started = Date.now();
  const deadline = started + opts.maxDurationMs;
  const maxConcurrent = opts.maxConcurrent ?? 32;
  let running = 0;
  let done = 0;
  const slots: Array<() => void> = [];
  const runs: Array<Promise<void>> = [];
  for (let i = 0; i < plan.length; i++) {
    const due = started + (i * 1000) / opts.rate;
    if (due > deadline) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (running >= maxConcurrent) await new Promise<void>((r) => slots.push(r));
    if (Date.now() > deadline) break;
    running += 1;
    runs.push(
      runScenario(plan[i]!, opts, (r) => {
        results.push(r);
        opts.onRequest?.(r);
      }).finally(() => {
        running -= 1;
        done += 1;
        slots.shift()?.();
      }),
    );
  }
  await Promise.all(runs);
  return summarize(results, done, Date.now() - started);
}

async function runScenario(scenario: Scenario, opts: TrafficOptions, report: (r: RequestResult) => void) {
  let cookie: string | null = null;
  let cart: string | null = null;
  let order: string | null = null;
  for (const planned of scenario.requests) {
    // A lookup of the order the checkout made, when it made none (out of stock, a refused coupon): not sent.
    if (planned.path.includes('{order}') && !order) continue;
    const result = await send(planned, opts, cookie, { cart, order }, scenario.kind);
    report(result.result);
    cookie = result.cookie ?? cookie;
    if (planned.path === '/carts' && result.body && typeof result.body === 'object')
      cart = String((result.body as { id?: unknown }).id ?? '');
    if (
      planned.path === '/checkout' &&
      result.result.status === 201 &&
      result.body &&
      typeof result.body === 'object'
    )
      order = String((result.body as { id?: unknown }).id ?? '') || null;
    // A scenario cannot go on without its cart, nor after the service failed it.
    if (!result.result.expected) return;
  }
}

/** A `traceparent` form of the mix with fresh ids in place of `{trace}`, `{span}` (`{TRACE}`, `{SPAN}`: upper case). */
export function traceparentOf(form: string): string {
  const trace = randomBytes(16).toString('hex');
  const span = randomBytes(8).toString('hex');
  return form
    .replaceAll('{trace}', trace)
    .replaceAll('{span}', span)
    .replaceAll('{TRACE}', trace.toUpperCase())
    .replaceAll('{SPAN}', span.toUpperCase());
}

async function send(
  planned: PlannedRequest,
  opts: TrafficOptions,
  cookie: string | null,
  ids: { cart: string | null; order: string | null },
  kind: ScenarioKind,
): Promise<{ result: RequestResult; cookie: string | null; body: unknown }> {
  const fill = (s: string) =>
    s.replaceAll('{cart}', ids.cart ?? 'none').replaceAll('{order}', ids.order ?? 'none');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (cookie) headers.cookie = cookie;
  if (planned.auth) headers.authorization = `Bearer ${opts.token ?? 'tok-ada-5f1c'}`;
  if (planned.traced)
    headers.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  if (planned.traceparent !== undefined) headers.traceparent = traceparentOf(planned.traceparent);
  let body: string | undefined;
  if (planned.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = fill(JSON.stringify(planned.body));
  }
  const t0 = performance.now();
  const base = { scenario: kind, method: planned.method, route: planned.path };
  try {
    const res = await fetch(`${opts.url}${fill(planned.path)}`, {
      method: planned.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const latencyMs = performance.now() - t0;
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const setCookie = res.headers.get('set-cookie');
    return {
      result: {
        ...base,
        status: res.status,
        expected: planned.expect.includes(res.status),
        latencyMs,
        server: res.headers.get('x-target-server') ?? '',
      },
      cookie: setCookie ? setCookie.split(';')[0]! : null,
      body: parsed,
    };
  } catch (error) {
    return {
      result: {
        ...base,
        status: 0,
        expected: false,
        latencyMs: performance.now() - t0,
        server: '',
        error: (error as Error).message,
      },
      cookie: null,
      body: null,
    };
  }
}
