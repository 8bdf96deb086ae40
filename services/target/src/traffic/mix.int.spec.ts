import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveTraffic, type RequestResult } from './driver.js';
import { defaultWeights, type ScenarioKind } from './mix.js';

/** The sample checkout service's sources, run in this process (its one dependency, pino, is the workspace's). */
const APP = resolve(fileURLToPath(import.meta.url), '../../../../sample-service/app/src');

interface Closable {
  close(): Promise<void>;
}
interface AppModule {
  createApp(o: { paymentUrl: string; logger: unknown }): Closable & { listen(port: number): Promise<number> };
}
interface ProviderModule {
  PaymentProvider: new () => { start(): Promise<string>; stop(): Promise<void> };
}
interface LoggerModule {
  createLogger(destination: undefined, level: string): unknown;
}
// Imported by computed path, so that the type check of this package does not take in the application's sources.
const load = <T>(file: string) => import(pathToFileURL(resolve(APP, file)).href) as Promise<T>;

/**
 * Given the healthy sample service (v1.4.0, the tree the corpus's faults are released on top of), when the whole
 * mix (the kinds off by default too) drives it, then every answer is one the mix expects: a fault-free release
 * shows no unexpected answer, and each kind of shopper gets the statuses its comment promises.
 */
describe('the request mix against the healthy sample service', () => {
  let url = '';
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const [{ createApp }, { PaymentProvider }, { createLogger }] = await Promise.all([
      load<AppModule>('app.ts'),
      load<ProviderModule>('payment/provider.ts'),
      load<LoggerModule>('observability/logger.ts'),
    ]);
    const provider = new PaymentProvider();
    const paymentUrl = await provider.start();
    stops.push(() => provider.stop());
    const app = createApp({ paymentUrl, logger: createLogger(undefined, 'silent') });
    url = `http://127.0.0.1:${await app.listen(0)}`;
    stops.unshift(() => app.close());
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('answers every request of every kind as the mix expects', async () => {
    const weights: Record<ScenarioKind, number> = { ...defaultWeights, 'slow-acquirer': 1 };
    const report = await driveTraffic({
      url,
      seed: 42,
      rate: 200,
      scenarios: 500,
      maxDurationMs: 25_000,
      weights,
    });
    const unexpected = report.results.filter((r) => !r.expected);
    expect(unexpected.map((r) => `${r.scenario} ${r.method} ${r.route} -> ${r.status}`)).toEqual([]);
    expect(report.scenarios).toBe(500);

    const statuses = (kind: ScenarioKind, route?: string) =>
      new Set(
        report.results
          .filter((r: RequestResult) => r.scenario === kind && (!route || r.route === route))
          .map((r) => r.status),
      );
    for (const kind of Object.keys(weights) as ScenarioKind[]) expect(statuses(kind).size).toBeGreaterThan(0);
    // Shoppers of an outdated app with a non-text e-mail are refused; the others buy.
    expect(statuses('legacy-app-checkout', '/checkout')).toContain(400);
    // Odd trace headers are answered like any other request.
    expect([...statuses('odd-traceparent')]).toEqual([200]);
    // A mistyped confirmation domain does not fail the paid order; the acquirer's 503 is retried away.
    expect(statuses('gift-order', '/checkout')).toContain(201);
    expect(statuses('acquirer-outage', '/checkout')).toContain(201);
    expect(statuses('bulk-order', '/checkout')).toContain(201);
    // The second "Pay" of a double click finds the cart ordered.
    expect(statuses('double-submit', '/checkout')).toEqual(new Set([201, 409]));
    expect(statuses('order-link')).toEqual(new Set([200, 404]));
    expect(statuses('slow-acquirer', '/checkout')).toContain(502);
  }, 30_000);
});
