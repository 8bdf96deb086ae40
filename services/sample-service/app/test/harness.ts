import { createApp, type App } from '../src/app.js';
import type { Clock } from '../src/clock.js';
import { createLogger } from '../src/observability/logger.js';
import { PaymentProvider } from '../src/payment/provider.js';

export interface LogRecord {
  level: number;
  msg: string;
  step?: string;
  route?: string;
  traceId?: string;
  durationMs?: number;
  err?: { type: string; message: string; stack: string };
  [key: string]: unknown;
}

export interface Running {
  app: App;
  provider: PaymentProvider;
  base: string;
  logs: LogRecord[];
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response fields freely
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export const ADA = { authorization: 'Bearer tok-ada-5f1c' };
export const CARD = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
export const ADDRESS = {
  name: 'Ada Lovelace',
  street: 'Invalidenstr. 1',
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
};
/** A fixed time (2026-03-02) so that coupon and card expiry checks do not depend on the day the tests run. */
export const FIXED_NOW = Date.UTC(2026, 2, 2, 10, 0, 0);

/** Starts the service and its payment provider on free ports, with the logs captured as parsed records. */
export async function start(options: { clock?: Clock } = {}): Promise<Running> {
  const provider = new PaymentProvider();
  const paymentUrl = await provider.start();
  const logs: LogRecord[] = [];
  const logger = createLogger(
    { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) },
    'debug',
  );
  const clock = options.clock ?? { now: () => FIXED_NOW };
  const app = createApp({ paymentUrl, logger, clock });
  const port = await app.listen(0);
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    provider,
    base,
    logs,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async stop() {
      await app.close();
      await provider.stop();
    },
  };
}

/** Creates a cart holding the given lines and returns its id. */
export async function cartWith(running: Running, lines: [string, number][]): Promise<string> {
  const created = await running.request('POST', '/carts');
  const id = created.body.id as string;
  for (const [sku, quantity] of lines) {
    const added = await running.request('POST', `/cart/${id}/items`, { sku, quantity });
    if (added.status !== 201) throw new Error(`adding ${sku} failed: ${JSON.stringify(added.body)}`);
  }
  return id;
}

/** The steps of one request's log lines, in order. */
export function stepsOf(logs: readonly LogRecord[], route: string): string[] {
  return logs.filter((l) => l.route === route && l.step).map((l) => l.step!);
}
