// What integration tests use to reach the servers the global setup provided, and to stay out of each other's way.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { inject } from 'vitest';
import type { Endpoints } from '@self-healing/infra';

declare module 'vitest' {
  interface ProvidedContext {
    endpoints: Endpoints;
  }
}

export type { Endpoints };

/** The endpoints provided by test/src/globalSetup.ts (environment, Docker or the local launcher). */
export function testEndpoints(): Endpoints {
  const endpoints = inject('endpoints');
  if (!endpoints) {
    throw new Error(
      'no endpoints provided: run integration tests with `vitest --project int` (its globalSetup provides them)',
    );
  }
  return endpoints;
}

/**
 * The forge (Gitea from the local launcher, or FORGE_URL + FORGE_TOKEN from the environment) and its admin token.
 * Tests that need one fail with this message when it is missing rather than skip silently.
 */
export function testForge(): NonNullable<Endpoints['forge']> {
  const forge = testEndpoints().forge;
  if (!forge) {
    throw new Error(
      'no forge: the endpoints came without one. Let the local launcher start Gitea (`npm run infra -- up`, the ' +
        'default), or set FORGE_URL and FORGE_TOKEN (an admin token) next to the other endpoint variables.',
    );
  }
  return forge;
}

/**
 * A name no other test (or earlier run against the same servers) uses, for topics, consumer groups, subjects and
 * databases. Only [a-z0-9_] after the prefix, and short enough for MongoDB database names (max 63 bytes).
 */
export function uniqueName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 32);
  return `${clean}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export type WaitForOptions = {
  timeoutMs?: number;
  /** First delay between polls; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Shown in the timeout error. */
  message?: string;
};

/**
 * Polls until the condition returns something truthy (and returns it), instead of sleeping a fixed time. A
 * condition that throws counts as "not yet"; its last error is reported on timeout.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxIntervalMs = opts.maxIntervalMs ?? 500;
  let interval = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : '';
      throw new Error(
        `waitFor timed out after ${timeoutMs} ms${opts.message ? ` (${opts.message})` : ''}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
    interval = Math.min(maxIntervalMs, interval * 2);
  }
}

/** A TCP port nothing listens on right now (for a load balancer's frontend a test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
