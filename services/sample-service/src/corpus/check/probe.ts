import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Truth } from '../truth.js';

export interface ProbeResponse {
  status: number;
  body: unknown;
  ms: number;
}

export interface ProbeRun {
  responses: ProbeResponse[];
  /** Every JSON log line the service wrote. */
  logs: Record<string, unknown>[];
  /** `route step` of each request-scoped log line, in order. */
  steps: string[];
  /** The service did not exit cleanly (it crashed during the probe). */
  crashed: boolean;
}

const VOLATILE = new Set(['traceId', 'createdAt', 'queuedAt']);

/** A response body without the fields that differ between any two runs (trace ids, timestamps). */
export function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !VOLATILE.has(k))
        .map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

/**
 * Starts a built application (`node dist/src/main.js` in `dir`, on a free port, with the probe's environment),
 * sends the probe's requests in order and stops it. The service is the subject here, not a fixture: its own
 * stdout says which port it took.
 */
export async function runProbe(dir: string, probe: Truth['probe'], timeoutMs = 20_000): Promise<ProbeRun> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...probe.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('close', () => ((exited = true), resolve())));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service in ${dir} did not start`)), timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(record);
      if (record.step === 'startup') {
        clearTimeout(timer);
        resolve(Number(record.port));
      }
    });
    void exit.then(() => reject(new Error(`the service in ${dir} exited before listening`)));
  });
  const responses: ProbeResponse[] = [];
  try {
    for (const request of probe.requests) {
      const started = performance.now();
      try {
        const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
          method: request.method,
          headers: {
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...request.headers,
          },
          ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        responses.push({
          status: response.status,
          body: text ? (JSON.parse(text) as unknown) : null,
          ms: performance.now() - started,
        });
      } catch {
        responses.push({ status: 0, body: null, ms: performance.now() - started });
      }
    }
  } finally {
    if (!exited) child.kill('SIGTERM');
    await exit;
  }
  // Stopped by us, the service exits 0 (it handles SIGTERM); anything else is a crash.
  const crashed = child.exitCode !== 0;
  const steps = logs
    .filter((l) => typeof l.route === 'string' && typeof l.step === 'string')
    .map((l) => `${String(l.route)} ${String(l.step)}`);
  return { responses, logs, steps, crashed };
}
