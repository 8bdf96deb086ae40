// The state file lets a later process (the CLI, the test global setup, the operator CLI) find, reuse and stop
// servers that an earlier process started detached. Parsing is strict: a file we cannot trust is treated as absent.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Endpoints, Ports, ServerName } from './config.js';
import { CORE_SERVERS, DEFAULT_PORTS } from './config.js';

export const STATE_VERSION = 1;

export type ServerState = {
  pid: number;
  /** Text on the process's command line (see config.commandMarker) that tells our process from a reused pid. */
  marker: string;
  logFile: string;
  startedAt: string;
};

export type InfraState = {
  version: typeof STATE_VERSION;
  cacheDir: string;
  ports: Ports;
  endpoints: Endpoints;
  startedAt: string;
  /** The core servers always; gitea when it was started (it is optional and may join a running set later). */
  servers: Record<(typeof CORE_SERVERS)[number], ServerState> & Partial<Record<ServerName, ServerState>>;
};

export function serializeState(state: InfraState): string {
  return JSON.stringify(state, null, 2) + '\n';
}

/** Returns the state, or an explanation of why the text is not a usable state file. */
export function parseState(text: string): { ok: true; state: InfraState } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(raw)) return { ok: false, reason: 'not an object' };
  if (raw['version'] !== STATE_VERSION)
    return { ok: false, reason: `unknown version ${String(raw['version'])}` };
  if (typeof raw['cacheDir'] !== 'string') return { ok: false, reason: 'cacheDir missing' };
  if (typeof raw['startedAt'] !== 'string') return { ok: false, reason: 'startedAt missing' };

  const ports = raw['ports'];
  if (!isRecord(ports)) return { ok: false, reason: 'ports missing' };
  for (const k of ['kafka', 'kafkaController', 'registry', 'ferretdb']) {
    if (!isPort(ports[k])) return { ok: false, reason: `ports.${k} invalid` };
  }
  // State files written before the forge existed have no gitea port; the default is as good as any there.
  if (ports['gitea'] === undefined) ports['gitea'] = DEFAULT_PORTS.gitea;
  else if (!isPort(ports['gitea'])) return { ok: false, reason: 'ports.gitea invalid' };

  const endpoints = raw['endpoints'];
  if (
    !isRecord(endpoints) ||
    !Array.isArray(endpoints['kafkaBrokers']) ||
    !endpoints['kafkaBrokers'].every((b) => typeof b === 'string') ||
    typeof endpoints['schemaRegistryUrl'] !== 'string' ||
    typeof endpoints['mongodbUri'] !== 'string'
  ) {
    return { ok: false, reason: 'endpoints invalid' };
  }
  const forge = endpoints['forge'];
  if (
    forge !== undefined &&
    !(isRecord(forge) && typeof forge['url'] === 'string' && typeof forge['token'] === 'string')
  ) {
    return { ok: false, reason: 'endpoints.forge invalid' };
  }

  const servers = raw['servers'];
  if (!isRecord(servers)) return { ok: false, reason: 'servers missing' };
  if ((servers['gitea'] === undefined) !== (forge === undefined)) {
    return { ok: false, reason: 'servers.gitea and endpoints.forge must come together' };
  }
  for (const name of [...CORE_SERVERS, 'gitea'] as const) {
    const s = servers[name];
    if (name === 'gitea' && s === undefined) continue;
    if (
      !isRecord(s) ||
      !Number.isInteger(s['pid']) ||
      (s['pid'] as number) <= 1 ||
      typeof s['marker'] !== 'string' ||
      typeof s['logFile'] !== 'string' ||
      typeof s['startedAt'] !== 'string'
    ) {
      return { ok: false, reason: `servers.${name} invalid` };
    }
  }
  return { ok: true, state: raw as InfraState };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPort(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536;
}

export async function readStateFile(path: string): Promise<InfraState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = parseState(text);
  return parsed.ok ? parsed.state : undefined;
}

/** Write-then-rename, so a reader never sees half a file. */
export async function writeStateFile(path: string, state: InfraState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  // Owner-only: the file holds the forge's admin token.
  await writeFile(tmp, serializeState(state), { mode: 0o600 });
  await rename(tmp, path);
}

export async function removeStateFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
