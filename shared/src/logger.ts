import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One pino logger per process. Incident and correlation ids are bound with `child()` by the consumer loop,
 * so every line written while handling a message carries them.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  /** 2 for stderr: a command line keeps stdout for its result (pure JSON with `--json`). */
  fd: 1 | 2 = 1,
): Logger {
  const options = { name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  return fd === 1 ? pino(options) : pino(options, process.stderr);
}

export function incidentLogger(
  logger: Logger,
  ids: { incidentId: string; correlationId?: string | null; eventId?: string; type?: string },
): Logger {
  return logger.child(ids);
}
