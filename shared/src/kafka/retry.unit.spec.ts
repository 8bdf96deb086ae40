import { describe, expect, it } from 'vitest';
import { PermanentError } from '../errors.js';
import { MAX_RETRY_DELAY_MS, retryDecision } from './consumer.js';

const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });

describe('retryDecision', () => {
  it('dead-letters a permanent error at once, whatever the attempt', () => {
    expect(retryDecision(new PermanentError('bad input'), 1, 5, 200, false)).toEqual({
      action: 'dead-letter',
    });
  });

  it('retries another error with exponential backoff, and dead-letters it after the last attempt', () => {
    const e = new Error('something odd');
    expect(retryDecision(e, 1, 5, 200, false)).toEqual({ action: 'retry', delayMs: 200 });
    expect(retryDecision(e, 3, 5, 200, false)).toEqual({ action: 'retry', delayMs: 800 });
    expect(retryDecision(e, 5, 5, 200, false)).toEqual({ action: 'dead-letter' });
  });

  it('never dead-letters while the database or the broker is away: retries, at most 30 s apart', () => {
    const mongoAway = named('MongoServerSelectionError', 'connection 1 to 127.0.0.1:27018 closed');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19092'), {
      code: 'ECONNREFUSED',
    });
    for (const e of [mongoAway, refused]) {
      expect(retryDecision(e, 5, 5, 200, false)).toMatchObject({ action: 'retry' });
      expect(retryDecision(e, 50, 5, 200, false)).toEqual({ action: 'retry', delayMs: MAX_RETRY_DELAY_MS });
    }
  });

  it('when shutting down, leaves a retryable message to the next owner, and dead-letters only what is spent', () => {
    const mongoAway = named('MongoServerSelectionError');
    expect(retryDecision(mongoAway, 9, 5, 200, true)).toEqual({ action: 'leave' });
    expect(retryDecision(new Error('odd'), 2, 5, 200, true)).toEqual({ action: 'leave' });
    expect(retryDecision(new Error('odd'), 5, 5, 200, true)).toEqual({ action: 'dead-letter' });
    expect(retryDecision(new PermanentError('bad'), 1, 5, 200, true)).toEqual({ action: 'dead-letter' });
  });
});
