import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatedLatency } from '../config.js';
import { sleep } from '../clock.js';

/**
 * The payment provider the service talks to: a separate HTTP server with the behaviour of a card acquirer,
 * keyed on the card number as test cards are at real providers:
 * - ending 0002: declined (402);
 * - ending 0036: the first attempt of each idempotency key fails with 503 (a transient outage);
 * - ending 0119: answers only after two seconds;
 * - otherwise: captured after the provider's processing time.
 * Charges are idempotent on the `Idempotency-Key` header, so a retried request never charges twice.
 */
export interface ProviderCharge {
  id: string;
  amountCents: number;
  currency: string;
  last4: string;
  authCode: string;
}

export class PaymentProvider {
  readonly charges: ProviderCharge[] = [];
  private readonly byKey = new Map<string, ProviderCharge>();
  private readonly attempts = new Map<string, number>();
  private server: Server | null = null;

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(
          req.method ?? 'GET',
          req.url ?? '/',
          req.headers['idempotency-key'],
          Buffer.concat(chunks),
        )
          .then(({ status, body }) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          })
          .catch(() => {
            res.writeHead(500).end();
          });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(
    method: string,
    url: string,
    key: string | string[] | undefined,
    raw: Buffer,
  ): Promise<{ status: number; body: unknown }> {
    if (method === 'GET' && url === '/v1/charges') return { status: 200, body: this.charges };
    if (method !== 'POST' || url !== '/v1/charges')
      return { status: 404, body: { error: 'no such endpoint' } };
    if (typeof key !== 'string' || key === '')
      return { status: 400, body: { error: 'Idempotency-Key required' } };
    let request: { amountCents?: unknown; currency?: unknown; card?: { number?: unknown } };
    try {
      request = JSON.parse(raw.toString('utf8')) as typeof request;
    } catch {
      return { status: 400, body: { error: 'invalid JSON' } };
    }
    const number = request.card?.number;
    if (typeof number !== 'string' || typeof request.amountCents !== 'number' || request.amountCents <= 0) {
      return { status: 400, body: { error: 'amountCents and card.number required' } };
    }
    const previous = this.byKey.get(key);
    if (previous) return { status: 201, body: previous };

    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const last4 = number.slice(-4);
    if (last4 === '0119') await sleep(2000);
    else await sleep(simulatedLatency.providerMs);
    if (last4 === '0036' && attempt === 1) return { status: 503, body: { error: 'acquirer unavailable' } };
    if (last4 === '0002') return { status: 402, body: { error: 'card_declined' } };

    const charge: ProviderCharge = {
      id: `ch_${this.charges.length + 1}`,
      amountCents: request.amountCents,
      currency: typeof request.currency === 'string' ? request.currency : 'EUR',
      last4,
      authCode: createHash('sha256').update(key).digest('hex').slice(0, 6).toUpperCase(),
    };
    this.charges.push(charge);
    this.byKey.set(key, charge);
    return { status: 201, body: charge };
  }
}
