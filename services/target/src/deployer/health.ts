import { request } from 'node:http';

/** One GET of the health path; true on a 2xx answer. */
export function probe(port: number, path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Waits until the instance answers its health check, or fails at the deadline or as soon as `alive` says the
 * process is gone (no point waiting out the deadline for a crashed instance).
 */
export async function waitHealthy(
  port: number,
  path: string,
  deadlineMs: number,
  alive: () => boolean,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let interval = 50;
  for (;;) {
    if (await probe(port, path)) return;
    if (!alive()) throw new Error(`exited before answering ${path}`);
    if (Date.now() > deadline) throw new Error(`no healthy answer on ${path} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(500, interval * 2);
  }
}
