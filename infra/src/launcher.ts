// The local launcher: real Kafka, Apicurio Registry and FerretDB as detached processes on 127.0.0.1, downloaded
// and built from the package registries on first use, found again through a state file by later processes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Endpoints, Heaps, LocalInfraOptions, LocalLayout, Ports, ServerName } from './config.js';
import {
  DEFAULT_HEAPS,
  SERVER_NAMES,
  commandMarker,
  defaultCacheDir,
  kafkaClusterId,
  kafkaFormatCommand,
  localEndpoints,
  localLayout,
  renderKafkaLog4j,
  renderKafkaProperties,
  resolvePorts,
  serverCommands,
} from './config.js';
import type { InstallReport } from './install.js';
import { ensureApicurio, ensureFerretdb, ensureKafka } from './install.js';
import { isOurProcess, isPortFree, listensOn, run, spawnDetached, stopProcess, tailFile } from './process.js';
import type { Probe } from './readiness.js';
import { endpointProbes, waitUntilReady } from './readiness.js';
import type { InfraState, ServerState } from './state.js';
import { STATE_VERSION, readStateFile, removeStateFile, writeStateFile } from './state.js';

export type { LocalInfraOptions } from './config.js';

export type ServerTimings = { installMs: number; installed: boolean; readyMs: number };

export type LocalInfra = {
  endpoints: Endpoints;
  /** True when this call started the servers; false when it found them already running. */
  startedHere: boolean;
  stateFile: string;
  logs: Record<ServerName, string>;
  timings: { totalMs: number; servers?: Record<ServerName, ServerTimings> };
  /** Stops the servers if this call started them; otherwise does nothing (someone else owns them). */
  stop(): Promise<void>;
};

export class LocalInfraError extends Error {
  constructor(
    message: string,
    readonly failures: Array<{ server: ServerName; message: string; logTail: string }>,
  ) {
    super(message);
    this.name = 'LocalInfraError';
  }
}

/** Children spawned by this process: after SIGTERM they stay zombies until Node reaps them, see stopProcess. */
const ownChildren = new Map<number, ChildProcess>();

type Resolved = {
  layout: LocalLayout;
  ports: Ports;
  heaps: Heaps;
  readyTimeoutMs: number;
  log: (l: string) => void;
};

function resolveOptions(opts: LocalInfraOptions = {}): Resolved {
  const cacheDir = opts.cacheDir ?? defaultCacheDir(process.env, homedir());
  return {
    layout: localLayout(cacheDir),
    ports: resolvePorts(opts.ports),
    heaps: { ...DEFAULT_HEAPS, ...opts.heaps },
    readyTimeoutMs: opts.readyTimeoutMs ?? 180_000,
    log: opts.log ?? (() => undefined),
  };
}

/**
 * Starts Kafka, the registry and FerretDB (or reuses them when the state file points at healthy ones) and waits
 * until each answers a real client. Downloads and builds on first use.
 */
export async function startLocalInfra(opts: LocalInfraOptions = {}): Promise<LocalInfra> {
  const t0 = Date.now();
  const r = resolveOptions(opts);
  const release = await acquireLock(r.layout, r.log);
  try {
    const existing = await readStateFile(r.layout.stateFile);
    if (existing) {
      const health = await checkHealth(existing);
      if (SERVER_NAMES.every((n) => health[n].running && health[n].ready)) {
        r.log(`reusing local infra started at ${existing.startedAt} (state: ${r.layout.stateFile})`);
        return {
          endpoints: existing.endpoints,
          startedHere: false,
          stateFile: r.layout.stateFile,
          logs: logsOf(existing),
          timings: { totalMs: Date.now() - t0 },
          stop: async () => undefined,
        };
      }
      const bad = SERVER_NAMES.filter((n) => !(health[n].running && health[n].ready));
      r.log(`state file found but ${bad.join(', ')} not healthy: stopping the rest and starting afresh`);
      await stopFromState(existing, r.log);
      await removeStateFile(r.layout.stateFile);
    }
    const state = await startFresh(r);
    r.log(`local infra ready in ${Date.now() - t0} ms`);
    return {
      endpoints: state.state.endpoints,
      startedHere: true,
      stateFile: r.layout.stateFile,
      logs: logsOf(state.state),
      timings: { totalMs: Date.now() - t0, servers: state.timings },
      stop: () => stopLocalInfra({ ...opts, cacheDir: r.layout.cacheDir }).then(() => undefined),
    };
  } finally {
    await release();
  }
}

function logsOf(state: InfraState): Record<ServerName, string> {
  return {
    kafka: state.servers.kafka.logFile,
    registry: state.servers.registry.logFile,
    ferretdb: state.servers.ferretdb.logFile,
  };
}

async function startFresh(
  r: Resolved,
): Promise<{ state: InfraState; timings: Record<ServerName, ServerTimings> }> {
  const { layout, ports, heaps } = r;
  const portNames: Array<[keyof Ports, string]> = [
    ['kafka', 'Kafka'],
    ['kafkaController', 'Kafka controller'],
    ['registry', 'Schema Registry'],
    ['ferretdb', 'FerretDB'],
  ];
  const busy = [];
  for (const [k, label] of portNames)
    if (!(await isPortFree(ports[k]))) busy.push(`${label} port 127.0.0.1:${ports[k]}`);
  if (busy.length > 0) {
    throw new LocalInfraError(
      `cannot start local infra: ${busy.join(', ')} already in use by a process this launcher did not start ` +
        `(no usable state file in ${layout.runDir}). Stop that process, or choose other ports (startLocalInfra({ ports }) / ` +
        `\`npm run infra -- up --kafka-port ...\`), or point the tests at it with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI.`,
      [],
    );
  }

  // Fresh data on every start: the registry keeps schemas in memory, so Kafka records from an earlier run would
  // reference schema ids that no longer exist. Tests isolate themselves by name anyway.
  await rm(layout.kafkaData, { recursive: true, force: true });
  await rm(layout.ferretdbData, { recursive: true, force: true });
  for (const d of [layout.logDir, layout.configDir, layout.kafkaData, layout.ferretdbData])
    await mkdir(d, { recursive: true });
  for (const name of SERVER_NAMES) await rotateLog(layout.logs[name]);
  await writeFile(layout.kafkaProperties, renderKafkaProperties({ ports, dataDir: layout.kafkaData }));
  await writeFile(layout.kafkaLog4j, renderKafkaLog4j());

  const endpoints = localEndpoints(ports);
  const probes = endpointProbes(endpoints);
  const commands = serverCommands(layout, ports, heaps);
  const spawned = new Map<ServerName, ChildProcess>();
  const servicePort: Record<ServerName, number> = {
    kafka: ports.kafka,
    registry: ports.registry,
    ferretdb: ports.ferretdb,
  };

  const chain = async (
    name: ServerName,
    install: () => Promise<InstallReport>,
    beforeSpawn: () => Promise<void>,
    probe: Probe,
    afterReady: () => Promise<void> = async () => undefined,
  ): Promise<ServerTimings> => {
    const report = await install();
    if (report.action === 'installed') r.log(`${name}: installed in ${report.ms} ms`);
    // Installs can take minutes; someone may have taken the port meanwhile.
    if (!(await isPortFree(servicePort[name]))) {
      throw new Error(`port 127.0.0.1:${servicePort[name]} was taken by another process while installing`);
    }
    await beforeSpawn();
    const child = spawnDetached(commands[name], layout.logs[name], layout.runDir);
    let exit: string | undefined;
    child.once('error', (e) => (exit = `could not start: ${e.message}`));
    child.once(
      'exit',
      (code, sig) => (exit = `exited during start-up (${sig ? `signal ${sig}` : `code ${code}`})`),
    );
    if (child.pid === undefined) {
      await new Promise((res) => setImmediate(res));
      throw new Error(exit ?? `could not start ${commands[name].command}`);
    }
    spawned.set(name, child);
    ownChildren.set(child.pid, child);
    r.log(`${name}: started pid ${child.pid}, log ${layout.logs[name]}`);
    const pid = child.pid;
    const ownProbe: Probe = async () => {
      await probe();
      if (!(await listensOn(pid, servicePort[name]))) {
        throw new Error(`127.0.0.1:${servicePort[name]} answers, but not from pid ${pid}`);
      }
    };
    const readyMs = await waitUntilReady(ownProbe, { timeoutMs: r.readyTimeoutMs, abort: () => exit });
    await afterReady();
    r.log(`${name}: ready after ${readyMs} ms`);
    return { installMs: report.ms, installed: report.action === 'installed', readyMs };
  };

  const formatKafka = async () => {
    let id: string | undefined;
    while (!id) id = kafkaClusterId(randomBytes(16));
    await run(kafkaFormatCommand(layout, id), { logFile: layout.logs.kafka });
  };

  const results = await Promise.allSettled([
    chain('kafka', () => ensureKafka(layout, r.log), formatKafka, probes.kafka),
    chain(
      'registry',
      () => ensureApicurio(layout, r.log),
      async () => undefined,
      probes.registry,
      () => setRegistryGlobalCompatibility(endpoints.schemaRegistryUrl, 'BACKWARD'),
    ),
    chain(
      'ferretdb',
      () => ensureFerretdb(layout, r.log),
      async () => undefined,
      probes.ferretdb,
    ),
  ]);

  const failures: LocalInfraError['failures'] = [];
  for (const [i, name] of SERVER_NAMES.entries()) {
    const res = results[i];
    if (res?.status === 'rejected') {
      failures.push({
        server: name,
        message: (res.reason as Error).message,
        logTail: await tailFile(layout.logs[name]),
      });
    }
  }
  if (failures.length > 0) {
    // Leave nothing half-started behind.
    await Promise.all(
      [...spawned.values()].map((c) =>
        c.pid ? stopProcess(c.pid, { child: c, graceMs: 10_000 }) : undefined,
      ),
    );
    throw new LocalInfraError(
      'local infra failed to start:\n' +
        failures
          .map(
            (f) =>
              `\n[${f.server}] ${f.message}\n--- last lines of ${layout.logs[f.server]} ---\n${f.logTail}`,
          )
          .join('\n'),
      failures,
    );
  }

  const now = new Date().toISOString();
  const servers = Object.fromEntries(
    SERVER_NAMES.map((name): [ServerName, ServerState] => [
      name,
      {
        pid: spawned.get(name)!.pid!,
        marker: commandMarker(name, layout),
        logFile: layout.logs[name],
        startedAt: now,
      },
    ]),
  ) as Record<ServerName, ServerState>;
  const state: InfraState = {
    version: STATE_VERSION,
    cacheDir: layout.cacheDir,
    ports,
    endpoints,
    startedAt: now,
    servers,
  };
  await writeStateFile(layout.stateFile, state);
  const timings = Object.fromEntries(
    SERVER_NAMES.map((n, i) => [n, (results[i] as PromiseFulfilledResult<ServerTimings>).value]),
  ) as Record<ServerName, ServerTimings>;
  return { state, timings };
}

/**
 * `-Dapicurio.rules.global.compatibility` makes Apicurio enforce the rule, but its Confluent API still answers
 * GET /config with NONE until the global rule is stored; storing it makes the answer match what is enforced (and
 * Confluent's own default).
 */
async function setRegistryGlobalCompatibility(schemaRegistryUrl: string, level: 'BACKWARD'): Promise<void> {
  const res = await fetch(`${schemaRegistryUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`PUT /config {compatibility: ${level}} answered ${res.status}: ${body}`);
}

async function rotateLog(path: string): Promise<void> {
  if (existsSync(path)) await rename(path, `${path}.prev`);
}

export type StopResult = Record<ServerName, 'terminated' | 'killed' | 'not-running'>;

/** Stops the servers named in the state file (SIGTERM, then SIGKILL after a grace period) and removes the file. */
export async function stopLocalInfra(opts: LocalInfraOptions = {}): Promise<StopResult | undefined> {
  const r = resolveOptions(opts);
  const release = await acquireLock(r.layout, r.log);
  try {
    const state = await readStateFile(r.layout.stateFile);
    if (!state) return undefined;
    const result = await stopFromState(state, r.log);
    await removeStateFile(r.layout.stateFile);
    return result;
  } finally {
    await release();
  }
}

async function stopFromState(state: InfraState, log: (l: string) => void): Promise<StopResult> {
  const entries = await Promise.all(
    SERVER_NAMES.map(async (name): Promise<[ServerName, StopResult[ServerName]]> => {
      const s = state.servers[name];
      // Never signal a pid that no longer runs our command: the OS may have given it to something else.
      if (!(await isOurProcess(s.pid, s.marker))) return [name, 'not-running'];
      const child = ownChildren.get(s.pid);
      const how = await stopProcess(s.pid, child ? { child } : {});
      ownChildren.delete(s.pid);
      log(`${name}: pid ${s.pid} ${how}`);
      return [name, how];
    }),
  );
  return Object.fromEntries(entries) as StopResult;
}

export type ServerStatus = { pid: number; running: boolean; ready: boolean; logFile: string; error?: string };
export type LocalInfraStatus = {
  /** 'degraded': a state file exists but not every server runs and answers. */
  state: 'stopped' | 'running' | 'degraded';
  /** True when all three servers run and answer a real request. */
  running: boolean;
  stateFile: string;
  startedAt?: string;
  endpoints?: Endpoints;
  ports?: Ports;
  servers?: Record<ServerName, ServerStatus>;
};

/** What the state file says, checked against the processes and a real request to each server. */
export async function localInfraStatus(opts: LocalInfraOptions = {}): Promise<LocalInfraStatus> {
  const r = resolveOptions(opts);
  const state = await readStateFile(r.layout.stateFile);
  if (!state) return { state: 'stopped', running: false, stateFile: r.layout.stateFile };
  const servers = await checkHealth(state);
  const allGood = SERVER_NAMES.every((n) => servers[n].running && servers[n].ready);
  return {
    state: allGood ? 'running' : 'degraded',
    running: allGood,
    stateFile: r.layout.stateFile,
    startedAt: state.startedAt,
    endpoints: state.endpoints,
    ports: state.ports,
    servers,
  };
}

async function checkHealth(state: InfraState): Promise<Record<ServerName, ServerStatus>> {
  const probes = endpointProbes(state.endpoints);
  const entries = await Promise.all(
    SERVER_NAMES.map(async (name): Promise<[ServerName, ServerStatus]> => {
      const s = state.servers[name];
      const running = await isOurProcess(s.pid, s.marker);
      let ready = false;
      let error: string | undefined;
      if (running) {
        try {
          // A short wait, not a single shot: a server under load may miss one 1-2 s probe.
          await waitUntilReady(probes[name], { timeoutMs: 3_000 });
          ready = true;
        } catch (e) {
          error = (e as Error).message;
        }
      }
      return [name, { pid: s.pid, running, ready, logFile: s.logFile, ...(error ? { error } : {}) }];
    }),
  );
  return Object.fromEntries(entries) as Record<ServerName, ServerStatus>;
}

/**
 * A lock directory, so two processes (say the CLI and a test run) do not start two sets of servers at once.
 * A lock whose owner died is taken over.
 */
async function acquireLock(layout: LocalLayout, log: (l: string) => void): Promise<() => Promise<void>> {
  await mkdir(layout.runDir, { recursive: true });
  const ownerFile = `${layout.lockDir}/owner`;
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      await mkdir(layout.lockDir);
      await writeFile(ownerFile, String(process.pid));
      return async () => {
        await rm(layout.lockDir, { recursive: true, force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
    if (owner === process.pid) {
      throw new Error(
        `local infra lock ${layout.lockDir} is already held by this process (nested start/stop?)`,
      );
    }
    let ownerAlive = false;
    if (Number.isInteger(owner) && owner > 0) {
      try {
        process.kill(owner, 0);
        ownerAlive = true;
      } catch (e) {
        ownerAlive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    // No owner file for a while means its writer died between mkdir and writeFile.
    const ownerless = !(owner > 0) && (await ageMs(layout.lockDir)) > 10_000;
    if ((!ownerAlive && owner > 0) || ownerless) {
      await rm(layout.lockDir, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      log(`waiting for another launcher (pid ${owner || '?'}) holding ${layout.lockDir}`);
      told = true;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the local infra lock ${layout.lockDir}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}
