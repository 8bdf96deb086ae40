// The local launcher: real Kafka, Apicurio Registry, FerretDB and Gitea (the forge) as detached processes on
// 127.0.0.1, downloaded and built from the package registries on first use, found again through a state file by
// later processes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import type {
  CommandLine,
  Endpoints,
  ForgeEndpoint,
  Heaps,
  LocalInfraOptions,
  LocalLayout,
  Ports,
  ServerName,
} from './config.js';
import {
  CORE_SERVERS,
  DEFAULT_HEAPS,
  GITEA_ADMIN,
  commandMarker,
  defaultCacheDir,
  giteaCommand,
  giteaEndpoint,
  kafkaClusterId,
  kafkaFormatCommand,
  localEndpoints,
  localLayout,
  renderGiteaIni,
  renderKafkaLog4j,
  renderKafkaProperties,
  resolvePorts,
  serverCommands,
} from './config.js';
import type { InstallReport } from './install.js';
import { ensureApicurio, ensureFerretdb, ensureGitea, ensureKafka } from './install.js';
import {
  isOurProcess,
  isPortFree,
  listensOn,
  run,
  runOutput,
  spawnDetached,
  stopProcess,
  tailFile,
} from './process.js';
import type { Probe } from './readiness.js';
import { endpointProbes, giteaProbe, waitUntilReady } from './readiness.js';
import type { InfraState, ServerState } from './state.js';
import { STATE_VERSION, readStateFile, removeStateFile, writeStateFile } from './state.js';

export type { LocalInfraOptions } from './config.js';

export type ServerTimings = { installMs: number; installed: boolean; readyMs: number };

export type LocalInfra = {
  endpoints: Endpoints;
  /** True when this call started the servers; false when it found them already running. */
  startedHere: boolean;
  stateFile: string;
  logs: Partial<Record<ServerName, string>>;
  timings: { totalMs: number; servers?: Partial<Record<ServerName, ServerTimings>> };
  /**
   * Stops the servers if this call started the core set; otherwise does nothing (someone else owns them). A forge
   * this call added to a running set joins that set and stays with it.
   */
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
  gitea: boolean;
  log: (l: string) => void;
};

/** Whether `up` starts the forge unless told otherwise (`gitea: false`, `infra up --no-gitea`). */
const GITEA_BY_DEFAULT = true;

function resolveOptions(opts: LocalInfraOptions = {}): Resolved {
  const cacheDir = opts.cacheDir ?? defaultCacheDir(process.env, homedir());
  return {
    layout: localLayout(cacheDir),
    ports: resolvePorts(opts.ports),
    heaps: { ...DEFAULT_HEAPS, ...opts.heaps },
    readyTimeoutMs: opts.readyTimeoutMs ?? 180_000,
    gitea: opts.gitea ?? GITEA_BY_DEFAULT,
    log: opts.log ?? (() => undefined),
  };
}

/**
 * Starts Kafka, the registry, FerretDB and (unless `gitea: false`) Gitea, or reuses them when the state file points
 * at healthy ones, and waits until each answers a real client. Downloads and builds on first use. A healthy core
 * set without a forge is kept: the forge is started next to it.
 */
export async function startLocalInfra(opts: LocalInfraOptions = {}): Promise<LocalInfra> {
  const t0 = Date.now();
  const r = resolveOptions(opts);
  const release = await acquireLock(r.layout, r.log);
  try {
    const existing = await readStateFile(r.layout.stateFile);
    if (existing) {
      const health = await checkHealth(existing);
      const healthy = (n: ServerName) => health[n]?.running === true && health[n]?.ready === true;
      if (CORE_SERVERS.every(healthy)) {
        const reused = {
          startedHere: false,
          stateFile: r.layout.stateFile,
          stop: async () => undefined,
        };
        if (!r.gitea || healthy('gitea')) {
          r.log(`reusing local infra started at ${existing.startedAt} (state: ${r.layout.stateFile})`);
          return {
            ...reused,
            endpoints: existing.endpoints,
            logs: logsOf(existing),
            timings: { totalMs: Date.now() - t0 },
          };
        }
        r.log(
          `reusing kafka, registry and ferretdb started at ${existing.startedAt}; starting the forge (gitea)`,
        );
        const state = await addGitea(existing, r);
        return {
          ...reused,
          endpoints: state.state.endpoints,
          logs: logsOf(state.state),
          timings: { totalMs: Date.now() - t0, servers: { gitea: state.timings } },
        };
      }
      const bad = CORE_SERVERS.filter((n) => !healthy(n));
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

function logsOf(state: InfraState): Partial<Record<ServerName, string>> {
  return Object.fromEntries(serversIn(state).map((n) => [n, state.servers[n]!.logFile]));
}

/** The servers a state file names: the core set, and gitea when it was started. */
function serversIn(state: InfraState): ServerName[] {
  return state.servers.gitea ? [...CORE_SERVERS, 'gitea'] : [...CORE_SERVERS];
}

type Started = { child: ChildProcess; timings: ServerTimings };

/**
 * Install, prepare, spawn detached, wait until a real client gets an answer from this very process. The child is
 * handed to `onSpawn` at once, so a failure anywhere later still lets the caller stop it.
 */
async function launch(
  r: Resolved,
  name: ServerName,
  steps: {
    install: () => Promise<InstallReport>;
    port: number;
    beforeSpawn?: () => Promise<void>;
    command: CommandLine;
    probe: Probe;
    afterReady?: () => Promise<void>;
    onSpawn: (child: ChildProcess) => void;
  },
): Promise<Started> {
  const { layout } = r;
  const report = await steps.install();
  if (report.action === 'installed') r.log(`${name}: installed in ${report.ms} ms`);
  // Installs can take minutes; someone may have taken the port meanwhile.
  if (!(await isPortFree(steps.port))) {
    throw new Error(`port 127.0.0.1:${steps.port} was taken by another process while installing`);
  }
  await steps.beforeSpawn?.();
  const child = spawnDetached(steps.command, layout.logs[name], layout.runDir);
  let exit: string | undefined;
  child.once('error', (e) => (exit = `could not start: ${e.message}`));
  child.once(
    'exit',
    (code, sig) => (exit = `exited during start-up (${sig ? `signal ${sig}` : `code ${code}`})`),
  );
  if (child.pid === undefined) {
    await new Promise((res) => setImmediate(res));
    throw new Error(exit ?? `could not start ${steps.command.command}`);
  }
  steps.onSpawn(child);
  ownChildren.set(child.pid, child);
  r.log(`${name}: started pid ${child.pid}, log ${layout.logs[name]}`);
  const pid = child.pid;
  const ownProbe: Probe = async () => {
    await steps.probe();
    if (!(await listensOn(pid, steps.port))) {
      throw new Error(`127.0.0.1:${steps.port} answers, but not from pid ${pid}`);
    }
  };
  const readyMs = await waitUntilReady(ownProbe, { timeoutMs: r.readyTimeoutMs, abort: () => exit });
  await steps.afterReady?.();
  r.log(`${name}: ready after ${readyMs} ms`);
  return { child, timings: { installMs: report.ms, installed: report.action === 'installed', readyMs } };
}

/**
 * Gitea from a wiped data dir: app.ini with fresh secrets, `migrate`, an admin user and an access token from its
 * CLI (before the web server starts, so nothing else can race for the account), then `web`. The admin password is
 * random and thrown away: everything afterwards goes through the token.
 */
async function launchGitea(
  r: Resolved,
  ports: Ports,
  onSpawn: (child: ChildProcess) => void,
): Promise<Started & { forge: ForgeEndpoint }> {
  const { layout } = r;
  let token = '';
  const forgeUrl = giteaEndpoint(ports, '').url;
  const started = await launch(r, 'gitea', {
    install: () => ensureGitea(layout, r.log),
    port: ports.gitea,
    command: giteaCommand(layout, ['web']),
    probe: giteaProbe(forgeUrl),
    onSpawn,
    beforeSpawn: async () => {
      await rm(layout.giteaData, { recursive: true, force: true });
      await mkdir(layout.giteaData, { recursive: true });
      await mkdir(dirname(layout.giteaIni), { recursive: true });
      const secret = (n: number) => randomBytes(n).toString('base64url');
      await writeFile(
        layout.giteaIni,
        renderGiteaIni({
          layout,
          ports,
          secrets: { secretKey: secret(32), internalToken: secret(48), jwtSecret: secret(32) },
          runningAsRoot: process.getuid?.() === 0,
        }),
        { mode: 0o600 },
      );
      await run(giteaCommand(layout, ['migrate']), { logFile: layout.logs.gitea });
      // runOutput, not run: its error messages leave the arguments (here: the password) out.
      await runOutput(
        giteaCommand(layout, [
          'admin',
          'user',
          'create',
          '--admin',
          `--username=${GITEA_ADMIN.username}`,
          `--password=${randomBytes(24).toString('base64url')}`,
          `--email=${GITEA_ADMIN.email}`,
          '--must-change-password=false',
        ]),
      );
      const out = await runOutput(
        giteaCommand(layout, [
          'admin',
          'user',
          'generate-access-token',
          `--username=${GITEA_ADMIN.username}`,
          '--token-name=self-healing-launcher',
          '--scopes=all',
          '--raw',
        ]),
      );
      token = out.trim().split('\n').at(-1)?.trim() ?? '';
      if (!/^[0-9a-f]{40}$/.test(token)) throw new Error('gitea did not print an access token');
    },
    afterReady: async () => {
      // The token must really work against the running server, not just exist in the database.
      const res = await fetch(`${forgeUrl}/api/v1/user`, {
        headers: { authorization: `token ${token}` },
        signal: AbortSignal.timeout(5_000),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET /api/v1/user with the admin token answered ${res.status}`);
      const login = (JSON.parse(body) as { login?: unknown }).login;
      if (login !== GITEA_ADMIN.username) throw new Error(`the admin token belongs to ${String(login)}`);
    },
  });
  return { ...started, forge: giteaEndpoint(ports, token) };
}

/** Starts the forge next to a healthy core set and records it in the state file. */
async function addGitea(
  existing: InfraState,
  r: Resolved,
): Promise<{ state: InfraState; timings: ServerTimings }> {
  const { layout } = r;
  const old = existing.servers.gitea;
  if (old && (await isOurProcess(old.pid, old.marker))) {
    const child = ownChildren.get(old.pid);
    await stopProcess(old.pid, child ? { child, graceMs: 10_000 } : { graceMs: 10_000 });
  }
  const ports: Ports = { ...existing.ports, gitea: r.ports.gitea };
  const taken = Object.entries(existing.ports).find(([k, p]) => k !== 'gitea' && p === ports.gitea);
  if (taken) throw new LocalInfraError(`gitea port ${ports.gitea} is the running ${taken[0]} port`, []);
  if (!(await isPortFree(ports.gitea))) {
    throw new LocalInfraError(
      `cannot start the forge: port 127.0.0.1:${ports.gitea} is in use by a process this launcher did not start; ` +
        'choose another (`npm run infra -- up --gitea-port ...`) or skip it (`--no-gitea`).',
      [],
    );
  }
  await mkdir(layout.logDir, { recursive: true });
  await rotateLog(layout.logs.gitea);
  let child: ChildProcess | undefined;
  try {
    const g = await launchGitea(r, ports, (c) => (child = c));
    const state: InfraState = {
      ...existing,
      ports,
      endpoints: { ...existing.endpoints, forge: g.forge },
      servers: {
        ...existing.servers,
        gitea: {
          pid: g.child.pid!,
          marker: commandMarker('gitea', layout),
          logFile: layout.logs.gitea,
          startedAt: new Date().toISOString(),
        },
      },
    };
    await writeStateFile(layout.stateFile, state);
    return { state, timings: g.timings };
  } catch (e) {
    if (child?.pid) await stopProcess(child.pid, { child, graceMs: 10_000 });
    throw new LocalInfraError(
      `the forge (gitea) failed to start: ${(e as Error).message}\n--- last lines of ${layout.logs.gitea} ---\n` +
        (await tailFile(layout.logs.gitea)),
      [{ server: 'gitea', message: (e as Error).message, logTail: await tailFile(layout.logs.gitea) }],
    );
  }
}

async function startFresh(
  r: Resolved,
): Promise<{ state: InfraState; timings: Partial<Record<ServerName, ServerTimings>> }> {
  const { layout, ports, heaps } = r;
  const portNames: Array<[keyof Ports, string]> = [
    ['kafka', 'Kafka'],
    ['kafkaController', 'Kafka controller'],
    ['registry', 'Schema Registry'],
    ['ferretdb', 'FerretDB'],
    ...(r.gitea ? [['gitea', 'Gitea'] as [keyof Ports, string]] : []),
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
  const names: ServerName[] = r.gitea ? [...CORE_SERVERS, 'gitea'] : [...CORE_SERVERS];
  for (const name of names) await rotateLog(layout.logs[name]);
  await writeFile(layout.kafkaProperties, renderKafkaProperties({ ports, dataDir: layout.kafkaData }));
  await writeFile(layout.kafkaLog4j, renderKafkaLog4j());

  const core = localEndpoints(ports);
  const probes = endpointProbes(core);
  const commands = serverCommands(layout, ports, heaps);
  const spawned = new Map<ServerName, ChildProcess>();
  const onSpawn = (name: ServerName) => (child: ChildProcess) => spawned.set(name, child);

  const formatKafka = async () => {
    let id: string | undefined;
    while (!id) id = kafkaClusterId(randomBytes(16));
    await run(kafkaFormatCommand(layout, id), { logFile: layout.logs.kafka });
  };

  let forge: ForgeEndpoint | undefined;
  const launches: Record<ServerName, () => Promise<Started>> = {
    kafka: () =>
      launch(r, 'kafka', {
        install: () => ensureKafka(layout, r.log),
        port: ports.kafka,
        beforeSpawn: formatKafka,
        command: commands.kafka,
        probe: probes.kafka,
        onSpawn: onSpawn('kafka'),
      }),
    registry: () =>
      launch(r, 'registry', {
        install: () => ensureApicurio(layout, r.log),
        port: ports.registry,
        command: commands.registry,
        probe: probes.registry,
        afterReady: () => setRegistryGlobalCompatibility(core.schemaRegistryUrl, 'BACKWARD'),
        onSpawn: onSpawn('registry'),
      }),
    ferretdb: () =>
      launch(r, 'ferretdb', {
        install: () => ensureFerretdb(layout, r.log),
        port: ports.ferretdb,
        command: commands.ferretdb,
        probe: probes.ferretdb,
        onSpawn: onSpawn('ferretdb'),
      }),
    gitea: async () => {
      const g = await launchGitea(r, ports, onSpawn('gitea'));
      forge = g.forge;
      return g;
    },
  };
  const results = await Promise.allSettled(names.map((n) => launches[n]()));

  const failures: LocalInfraError['failures'] = [];
  for (const [i, name] of names.entries()) {
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
  const serverState = (name: ServerName): ServerState => ({
    pid: spawned.get(name)!.pid!,
    marker: commandMarker(name, layout),
    logFile: layout.logs[name],
    startedAt: now,
  });
  const state: InfraState = {
    version: STATE_VERSION,
    cacheDir: layout.cacheDir,
    ports,
    endpoints: { ...core, ...(forge ? { forge } : {}) },
    startedAt: now,
    servers: {
      kafka: serverState('kafka'),
      registry: serverState('registry'),
      ferretdb: serverState('ferretdb'),
      ...(r.gitea ? { gitea: serverState('gitea') } : {}),
    },
  };
  await writeStateFile(layout.stateFile, state);
  const timings = Object.fromEntries(
    names.map((n, i) => [n, (results[i] as PromiseFulfilledResult<Started>).value.timings]),
  ) as Partial<Record<ServerName, ServerTimings>>;
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

export type StopResult = Partial<Record<ServerName, 'terminated' | 'killed' | 'not-running'>>;

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
    serversIn(state).map(async (name): Promise<[ServerName, StopResult[ServerName]]> => {
      const s = state.servers[name]!;
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

/** The servers `restartLocalServer` may restart: the registry keeps its schemas in memory and would lose them. */
export const RESTARTABLE_SERVERS = ['kafka', 'ferretdb'] as const satisfies readonly ServerName[];
export type RestartableServer = (typeof RESTARTABLE_SERVERS)[number];

/**
 * Stops one running server and starts it again on its data, ports and endpoints (what an operator's restart or a
 * crashed broker does to the clients), and waits until it answers. `kill: true` takes it down with SIGKILL, as a
 * crash would; otherwise SIGTERM lets it shut down cleanly. The state file is updated with the new process.
 */
export async function restartLocalServer(
  name: RestartableServer,
  opts: LocalInfraOptions & { kill?: boolean } = {},
): Promise<{ downMs: number; pid: number }> {
  if (!(RESTARTABLE_SERVERS as readonly string[]).includes(name))
    throw new LocalInfraError(`cannot restart ${name}: only ${RESTARTABLE_SERVERS.join(' and ')}`, []);
  const r = resolveOptions(opts);
  const release = await acquireLock(r.layout, r.log);
  try {
    const state = await readStateFile(r.layout.stateFile);
    const old = state?.servers[name];
    if (!state || !old) throw new LocalInfraError(`no running local infra to restart ${name} in`, []);
    const t0 = Date.now();
    if (await isOurProcess(old.pid, old.marker)) {
      const child = ownChildren.get(old.pid);
      if (opts.kill) {
        try {
          process.kill(-old.pid, 'SIGKILL');
        } catch {
          process.kill(old.pid, 'SIGKILL');
        }
      }
      await stopProcess(old.pid, child ? { child, graceMs: 20_000 } : { graceMs: 20_000 });
      ownChildren.delete(old.pid);
    }
    const port = name === 'kafka' ? state.ports.kafka : state.ports.ferretdb;
    // The old process's socket may linger a moment after it is gone.
    for (const deadline = Date.now() + 30_000; !(await isPortFree(port));) {
      if (Date.now() > deadline)
        throw new LocalInfraError(`port ${port} still busy after ${name} stopped`, []);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    const command = serverCommands(r.layout, state.ports, r.heaps)[name];
    const child = spawnDetached(command, old.logFile, r.layout.runDir);
    if (child.pid === undefined) throw new LocalInfraError(`could not start ${command.command}`, []);
    ownChildren.set(child.pid, child);
    const pid = child.pid;
    let exit: string | undefined;
    child.once('exit', (code, sig) => (exit = `exited during start-up (${sig ?? `code ${code}`})`));
    const probe = endpointProbes(state.endpoints)[name];
    await waitUntilReady(
      async () => {
        await probe();
        if (!(await listensOn(pid, port)))
          throw new Error(`127.0.0.1:${port} answers, but not from pid ${pid}`);
      },
      { timeoutMs: r.readyTimeoutMs, abort: () => exit },
    );
    await writeStateFile(r.layout.stateFile, {
      ...state,
      servers: { ...state.servers, [name]: { ...old, pid, startedAt: new Date().toISOString() } },
    });
    r.log(`${name}: restarted as pid ${pid}, down for ${Date.now() - t0} ms`);
    return { downMs: Date.now() - t0, pid };
  } finally {
    await release();
  }
}

export type ServerStatus = { pid: number; running: boolean; ready: boolean; logFile: string; error?: string };
export type LocalInfraStatus = {
  /** 'degraded': a state file exists but not every server runs and answers. */
  state: 'stopped' | 'running' | 'degraded';
  /** True when every server the state file names (the core three, and gitea if it was started) runs and answers. */
  running: boolean;
  stateFile: string;
  startedAt?: string;
  endpoints?: Endpoints;
  ports?: Ports;
  servers?: Partial<Record<ServerName, ServerStatus>>;
};

/** What the state file says, checked against the processes and a real request to each server. */
export async function localInfraStatus(opts: LocalInfraOptions = {}): Promise<LocalInfraStatus> {
  const r = resolveOptions(opts);
  const state = await readStateFile(r.layout.stateFile);
  if (!state) return { state: 'stopped', running: false, stateFile: r.layout.stateFile };
  const servers = await checkHealth(state);
  const allGood = serversIn(state).every((n) => servers[n]?.running && servers[n]?.ready);
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

async function checkHealth(state: InfraState): Promise<Partial<Record<ServerName, ServerStatus>>> {
  const probes = endpointProbes(state.endpoints);
  const entries = await Promise.all(
    serversIn(state).map(async (name): Promise<[ServerName, ServerStatus]> => {
      const s = state.servers[name]!;
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
  return Object.fromEntries(entries) as Partial<Record<ServerName, ServerStatus>>;
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
