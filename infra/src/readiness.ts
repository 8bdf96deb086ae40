// Readiness means "a real client gets a real answer": Kafka metadata through an admin client, the registry's
// Confluent API listing subjects, a MongoDB ping. An open port alone is not enough (Kafka and Quarkus both bind
// before they can serve).
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { Endpoints, ServerName } from './config.js';

export type Probe = () => Promise<void>;

export function kafkaProbe(brokers: string[]): Probe {
  return async () => {
    const kafka = new Kafka({
      clientId: 'self-healing-infra-probe',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no broker in metadata');
      if (cluster.controller === null || cluster.controller < 0) throw new Error('no active controller yet');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}

export function registryProbe(schemaRegistryUrl: string): Probe {
  return async () => {
    const res = await fetch(`${schemaRegistryUrl.replace(/\/+$/, '')}/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /subjects answered ${res.status}`);
  };
}

export function mongoProbe(uri: string): Probe {
  return async () => {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    try {
      await client.connect();
      const res = await client.db('admin').command({ ping: 1 });
      if (res['ok'] !== 1) throw new Error(`ping answered ${JSON.stringify(res)}`);
    } finally {
      await client.close().catch(() => undefined);
    }
  };
}

/** Gitea answers its version without authentication once the web server, the database and the templates are up. */
export function giteaProbe(forgeUrl: string): Probe {
  return async () => {
    const res = await fetch(`${forgeUrl.replace(/\/+$/, '')}/api/v1/version`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/v1/version answered ${res.status}`);
    const version = (JSON.parse(body) as { version?: unknown }).version;
    if (typeof version !== 'string') throw new Error(`GET /api/v1/version answered ${body.slice(0, 200)}`);
  };
}

export function endpointProbes(e: Endpoints): Record<ServerName, Probe> {
  const forge = e.forge;
  return {
    kafka: kafkaProbe(e.kafkaBrokers),
    registry: registryProbe(e.schemaRegistryUrl),
    ferretdb: mongoProbe(e.mongodbUri),
    gitea: forge
      ? giteaProbe(forge.url)
      : () => Promise.reject(new Error('no forge endpoint in the state file')),
  };
}

export class NotReadyError extends Error {
  constructor(
    message: string,
    readonly lastError: unknown,
  ) {
    super(message);
    this.name = 'NotReadyError';
  }
}

/**
 * Polls the probe until it succeeds, `abort()` says to give up (e.g. the process died) or time runs out.
 * Backs off from 100 ms to 1 s between attempts.
 */
export async function waitUntilReady(
  probe: Probe,
  opts: { timeoutMs: number; abort?: () => string | undefined },
): Promise<number> {
  const t0 = Date.now();
  let delay = 100;
  let lastError: unknown;
  for (;;) {
    const why = opts.abort?.();
    if (why) throw new NotReadyError(why, lastError);
    try {
      await probe();
      return Date.now() - t0;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - t0 + delay > opts.timeoutMs) {
      throw new NotReadyError(
        `not ready after ${opts.timeoutMs} ms (last error: ${(lastError as Error)?.message ?? String(lastError)})`,
        lastError,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1_000, delay * 2);
  }
}
