import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the sample application is installed, built, started and checked, for whoever deploys it (the target's
 * deployer, the demo, the corpus check). Commands run in the application's directory or repository.
 */
export const sampleApp = {
  /** The application's source in this repository (the tree the healthy history ends at). */
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '../app'),
  install: ['npm', 'ci', '--no-audit', '--no-fund'],
  build: ['npm', 'run', 'build'],
  test: ['npm', 'test'],
  /** Starts the service; it listens on the port in `portEnv` (0 = a free one, announced in its startup log line). */
  start: ['node', 'dist/src/main.js'],
  portEnv: 'PORT',
  healthPath: '/healthz',
  /** pino JSON lines on stdout: level, time, name, traceId, route, step, durationMs, msg. */
  logFormat: 'pino',
  serviceName: 'checkout',
} as const;
