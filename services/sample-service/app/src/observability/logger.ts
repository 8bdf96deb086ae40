import { randomBytes } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';
import { config } from '../config.js';

export type { Logger };

/** The service's root logger: JSON lines with epoch-ms time, numeric level and the service name. */
export function createLogger(
  destination?: DestinationStream,
  level = process.env.LOG_LEVEL ?? 'info',
): Logger {
  const options = { name: config.serviceName, level };
  return destination ? pino(options, destination) : pino(options);
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The trace id of a request: from a W3C `traceparent` header or an `x-trace-id` header when the caller sends a
 * valid one, otherwise a new one, so that every line of one request can be found together.
 */
export function traceIdFrom(headers: Record<string, string | string[] | undefined>): string {
  const traceparent = headers['traceparent'];
  if (typeof traceparent === 'string') {
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    if (match) return match[1]!;
  }
  const given = headers['x-trace-id'];
  if (typeof given === 'string' && /^[\da-f]{16,32}$/i.test(given)) return given.toLowerCase();
  return randomBytes(16).toString('hex');
}

/** Runs one step of a request and returns its result with its duration in whole milliseconds. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}
