import type { Clock } from '../clock.js';

export interface Confirmation {
  to: string;
  orderId: string;
  subject: string;
  queuedAt: number;
}

export class UndeliverableEmailError extends Error {
  constructor(readonly to: string) {
    super(`mail server refuses ${to}`);
    this.name = 'UndeliverableEmailError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The outbox of customer emails. Domains under `.invalid` are refused as a mail server would refuse an unknown
 * domain (RFC 2606 reserves it for exactly that).
 */
export class Notifier {
  readonly outbox: Confirmation[] = [];

  constructor(private readonly clock: Clock) {}

  isValidEmail(email: string): boolean {
    return EMAIL.test(email);
  }

  queueConfirmation(to: string, orderId: string, totalText: string): Confirmation {
    if (to.toLowerCase().endsWith('.invalid')) throw new UndeliverableEmailError(to);
    const confirmation = {
      to,
      orderId,
      subject: `Your order ${orderId} (${totalText})`,
      queuedAt: this.clock.now(),
    };
    this.outbox.push(confirmation);
    return confirmation;
  }
}
