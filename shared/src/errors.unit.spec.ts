import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError, classifyError, errorInfo, isPermanent } from './errors.js';

/** An error shaped like the libraries' own (kafkajs, the registry client, the MongoDB driver). */
const shaped = (name: string, message: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { name, ...extra });

describe('telling errors a retry can fix from those it cannot', () => {
  it.each([
    ['a PermanentError', new PermanentError('bad request', 'invalid')],
    [
      'a record larger than the broker takes',
      shaped(
        'KafkaJSProtocolError',
        'The request included a message larger than the max message size the server will accept',
        { type: 'MESSAGE_TOO_LARGE', retriable: false },
      ),
    ],
    [
      'kafkajs giving up on a non-retriable cause',
      shaped('KafkaJSNonRetriableError', 'wrapped', {
        originalError: shaped('KafkaJSProtocolError', 'x', { type: 'OFFSET_OUT_OF_RANGE' }),
      }),
    ],
    [
      'a schema the registry refuses',
      shaped('ConfluentSchemaRegistryCompatibilityError', 'Compatibility does not match (BACKWARD != NONE)'),
    ],
    ['a value that does not match its schema', shaped('ConfluentSchemaRegistryValidationError', 'invalid')],
    [
      'a MongoDB document too large',
      shaped('MongoServerError', 'object to insert too large', { code: 10334 }),
    ],
    ['a stack overflow', new RangeError('Maximum call stack size exceeded')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
  ])('%s is not retried', (_what, error) => {
    expect(isPermanent(error)).toBe(true);
    expect(classifyError(error).retryable).toBe(false);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a request timeout', shaped('KafkaJSRequestTimeoutError', 'Request timed out')],
    ['a lost MongoDB server', shaped('MongoServerSelectionError', 'server selection timed out')],
    ['fetch failing on the network', new TypeError('fetch failed')],
    ['a plain error', new Error('something went wrong')],
    [
      'a leader moving',
      shaped('KafkaJSProtocolError', 'leader moved', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }),
    ],
    [
      'kafkajs giving up on finding the group coordinator (a broker restarting)',
      shaped('KafkaJSNonRetriableError', 'Failed to find group coordinator', { retriable: false }),
    ],
    [
      'kafkajs giving up on a connection',
      shaped('KafkaJSNonRetriableError', 'wrapped', {
        retriable: false,
        originalError: shaped('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED'),
      }),
    ],
  ])('%s is retried', (_what, error) => {
    expect(isPermanent(error)).toBe(false);
  });

  it('a transaction that could not finish is retried, whatever kafkajs says of its cause', () => {
    const stuck = shaped(
      'KafkaJSNonRetriableError',
      'Transaction state exception: Cannot call "beginTransaction" in state "ABORTING"',
      {
        retriable: false,
      },
    );
    expect(isPermanent(stuck)).toBe(true);
    expect(isPermanent(new TransientError('could not begin a transaction', { cause: stuck }))).toBe(false);
  });

  it('events carry the category', () => {
    expect(errorInfo(new RangeError('Maximum call stack size exceeded')).category).toBe('permanent');
    expect(errorInfo(Object.assign(new Error('x'), { code: 'ECONNRESET' })).category).toBe(
      'dependency_unavailable',
    );
    expect(errorInfo(shaped('KafkaJSRequestTimeoutError', 't')).category).toBe('timeout');
    expect(errorInfo(new Error('x')).category).toBe('transient');
  });
});
