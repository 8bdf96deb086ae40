import { destination } from 'pino';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/observability/logger.js';
import { PaymentProvider } from '../src/payment/provider.js';

/**
 * Latency of the hot routes over real HTTP on loopback, the service logging as in production (to /dev/null), the
 * payment provider in process. Each route gets a warm-up, then `BENCH_REQUESTS` requests from `BENCH_CONCURRENCY`
 * concurrent clients. Prints one JSON document.
 */
const requests = Number(process.env.BENCH_REQUESTS ?? 300);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);

const card = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
const address = { name: 'Bench', street: 'Loop 1', postalCode: '10115', city: 'Berlin', country: 'DE' };
const auth = { authorization: 'Bearer tok-grace-9b2e' };

async function main(): Promise<void> {
  const provider = new PaymentProvider();
  const app = createApp({
    paymentUrl: await provider.start(),
    logger: createLogger(destination('/dev/null')),
  });
  const base = `http://127.0.0.1:${await app.listen(0)}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const newCart = async (lines: [string, number][]) => {
    const id = (await call('POST', '/carts')).id as string;
    for (const [sku, quantity] of lines) await call('POST', `/cart/${id}/items`, { sku, quantity });
    return id;
  };
  const browseCart = await newCart([
    ['SKU-1001', 1],
    ['SKU-2002', 2],
    ['SKU-4001', 1],
    ['SKU-5001', 3],
  ]);

  const routes: { route: string; prepare?: () => Promise<string>; run: (arg: string) => Promise<unknown> }[] =
    [
      { route: 'GET /products', run: () => call('GET', '/products?limit=10') },
      { route: 'GET /products/:sku', run: () => call('GET', '/products/SKU-2001') },
      { route: 'GET /cart/:id', run: () => call('GET', `/cart/${browseCart}`) },
      {
        route: 'POST /cart/:id/items',
        prepare: async () => (await call('POST', '/carts')).id as string,
        run: (id) => call('POST', `/cart/${id}/items`, { sku: 'SKU-2002', quantity: 1 }),
      },
      {
        route: 'POST /checkout',
        prepare: () => newCart([['SKU-2002', 1]]),
        run: (id) => call('POST', '/checkout', { cartId: id, card, address }, auth),
      },
    ];

  const results = [];
  for (const { route, prepare, run } of routes) {
    const args: string[] = [];
    for (let i = 0; i < requests + 20; i++) args.push(prepare ? await prepare() : '');
    for (const arg of args.splice(0, 20)) await run(arg);
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < args.length) {
          const arg = args[next++]!;
          const t = performance.now();
          await run(arg);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2));
    results.push({
      route,
      requests: latencies.length,
      concurrency,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      meanMs: Number((latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(2)),
      perSecond: Math.round((latencies.length / elapsed) * 1000),
    });
  }
  await app.close();
  await provider.stop();
  console.log(JSON.stringify({ node: process.version, routes: results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
