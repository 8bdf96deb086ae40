import { config } from '../config.js';
import { sleep } from '../clock.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Card } from './card.js';

export interface Charge {
  id: string;
  authCode: string;
  amountCents: number;
}

export class PaymentDeclinedError extends HttpError {
  constructor() {
    super(402, 'payment_declined', 'the card was declined');
    this.name = 'PaymentDeclinedError';
  }
}

export class GatewayTimeoutError extends HttpError {
  constructor(attempts: number) {
    super(502, 'payment_unavailable', `payment gateway did not answer after ${attempts} attempts`);
    this.name = 'GatewayTimeoutError';
  }
}

/** Why one attempt failed in a way worth retrying. */
class TransientPaymentError extends Error {}

/**
 * Client of the payment provider. An attempt that times out or meets a 5xx is retried with exponential backoff
 * under the same idempotency key, so the provider charges at most once; a decline is final.
 */
export class PaymentClient {
  constructor(
    private readonly baseUrl: string,
    private readonly log: Logger,
  ) {}

  async charge(amountCents: number, card: Card, idempotencyKey: string): Promise<Charge> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(amountCents, card, idempotencyKey);
      } catch (error) {
        if (!(error instanceof TransientPaymentError)) throw error;
        if (attempt >= config.paymentMaxAttempts) throw new GatewayTimeoutError(attempt);
        this.log.warn(
          { attempt, reason: error.message },
          `payment gateway slow, retrying attempt=${attempt}`,
        );
        await sleep(config.paymentBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async attempt(amountCents: number, card: Card, idempotencyKey: string): Promise<Charge> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/v1/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ amountCents, currency: config.currency, card }),
        signal: AbortSignal.timeout(config.paymentTimeoutMs),
      });
    } catch (error) {
      throw new TransientPaymentError(error instanceof Error ? error.name : 'network error');
    }
    if (response.status === 402) throw new PaymentDeclinedError();
    if (response.status >= 500) throw new TransientPaymentError(`provider answered ${response.status}`);
    if (response.status !== 201) throw new Error(`payment provider answered ${response.status}`);
    const body = (await response.json()) as { id: string; authCode: string; amountCents: number };
    return { id: body.id, authCode: body.authCode, amountCents: body.amountCents };
  }
}
