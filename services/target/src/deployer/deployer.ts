import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import { Checkouts } from './checkout.js';
import { isAlive, limited, run, scrubbedEnv } from './exec.js';
import {
  BASELINE_GROUP,
  groupWeights,
  otherGroup,
  SLOT_GROUPS,
  slotName,
  slotNames,
  type SlotGroup,
} from './haproxy/config.js';
import { startHaproxy, stopHaproxy } from './haproxy/process.js';
import { HaproxyRuntime, type ServerStat } from './haproxy/runtime.js';
import { waitHealthy } from './health.js';
import type { DeploymentAction, DeploymentRecord, DeploymentRecorder } from './record.js';
import { StateFile, type InstanceState, type TargetState, type VersionState } from './state.js';
import { Supervisor, type InstanceSpec } from './supervisor.js';

export type DeployStage = 'fetch' | 'checkout' | 'install' | 'build' | 'start' | 'health' | 'switch';

/** A deploy that did not happen; the version that served before still serves, with its weights unchanged. */
export class DeployError extends Error {
  override name = 'DeployError';
  constructor(
    readonly stage: DeployStage,
    message: string,
    readonly output = '',
  ) {
    super(
      `deploy failed at ${stage}: ${message}${output ? `\n--- last output ---\n${output.slice(-2000)}` : ''}`,
    );
  }
}

export interface DeployerOptions {
  service: string;
  entry: ServiceEntry;
  /** Holds the state file, HAProxy's files, the instances' logs and one checkout per version. */
  stateDir: string;
  /** Mirrors of repositories, shared by targets. */
  cacheDir: string;
  /** npm's cache, shared by every install (default: the user's, so a warm machine installs offline). */
  npmCacheDir?: string;
  environment?: string;
  recorder?: DeploymentRecorder;
  onProgress?: (step: string) => void;
  onEvent?: (event: { kind: 'started' | 'crashed'; instance: string; detail: string }) => void;
}

export interface DeployOptions {
  /** Deploy as a canary at this share of traffic (with a stable version serving); all traffic when absent. */
  canaryPercent?: number;
  /**
   * Start a baseline with the canary: the stable version's code as new processes, given as much traffic as the
   * canary, so that the canary is compared with processes as new as its own. A process that just started is slower
   * for a while (JIT, caches, connection pools), and against warm stable processes that slowness reads as the
   * new code's. Ignored without a canary, or when the load balancer has no baseline slots.
   */
  baseline?: boolean;
}

export interface TargetStatus {
  state: TargetState;
  servers: ServerStat[];
}

/**
 * Runs the versions of one service as real processes behind one HAProxy. A version is checked out from the
 * service's repository, installed and built under limits, started as N instances, health-checked, and only then
 * given traffic through the runtime API; a failure before that point leaves the serving version untouched.
 */
export class Deployer {
  private readonly checkouts: Checkouts;
  private readonly stateFile: StateFile;
  private readonly supervisor: Supervisor;
  private busy: Promise<unknown> = Promise.resolve();
  private stepListener: ((step: string) => void) | null = null;

  private constructor(
    private readonly opts: DeployerOptions,
    private state: TargetState,
    private readonly runtime: HaproxyRuntime,
    /** Whether HAProxy's configuration has the baseline's slots (one started by an older version has not). */
    private readonly baselineSlots: boolean,
  ) {
    this.checkouts = new Checkouts(opts.cacheDir);
    this.stateFile = new StateFile(join(opts.stateDir, 'state.json'));
    this.supervisor = new Supervisor({
      started: (id, pid, restarts) => {
        const inst = this.instanceById(id);
        if (inst) {
          inst.pid = pid;
          inst.restarts = restarts;
          this.save();
        }
        opts.onEvent?.({ kind: 'started', instance: id, detail: `pid ${pid}, restart ${restarts}` });
      },
      crashed: (id, code, signal, delayMs) => {
        const inst = this.instanceById(id);
        if (inst) {
          inst.pid = null;
          this.save();
        }
        opts.onEvent?.({
          kind: 'crashed',
          instance: id,
          detail: `exit ${code ?? signal}; restart in ${delayMs} ms`,
        });
      },
    });
  }

  /**
   * Starts the target (HAProxy) or finds it again: a running HAProxy and running instances named by the state
   * file are adopted; a HAProxy that is gone is started again and given the slots the state file names.
   */
  static async open(opts: DeployerOptions): Promise<Deployer> {
    mkdirSync(join(opts.stateDir, 'logs'), { recursive: true });
    mkdirSync(opts.cacheDir, { recursive: true });
    const stateFile = new StateFile(join(opts.stateDir, 'state.json'));
    const previous = stateFile.read();
    if (previous && previous.service !== opts.service)
      throw new Error(`${opts.stateDir} holds the target of ${previous.service}, not ${opts.service}`);
    const runtime = new HaproxyRuntime(join(opts.stateDir, 'haproxy.sock'));
    let state: TargetState = previous ?? {
      service: opts.service,
      frontendPort: opts.entry.deployer.frontendPort,
      haproxyPid: null,
      stable: null,
      canary: null,
      canaryShare: 0,
    };
    const adopted =
      state.haproxyPid !== null &&
      isAlive(state.haproxyPid) &&
      (await runtime.command('show info').then(
        () => true,
        () => false,
      ));
    if (!adopted) {
      const started = await startHaproxy(opts.stateDir, {
        frontendPort: state.frontendPort,
        slotsPerGroup: opts.entry.deployer.instances,
        healthPath: opts.entry.deployer.healthPath,
      });
      state = { ...state, haproxyPid: started.pid };
    }
    const baselineSlots = (await runtime.showStat()).some((s) => s.server === slotName(BASELINE_GROUP, 0));
    const deployer = new Deployer(
      opts,
      { ...state, baseline: state.baseline ?? null },
      runtime,
      baselineSlots,
    );
    deployer.save();
    for (const version of deployer.versions())
      if (version)
        for (const inst of version.instances)
          deployer.supervisor.adopt(deployer.specOf(version, inst), inst.pid, inst.restarts);
    if (!adopted) await deployer.applyWeights();
    return deployer;
  }

  get frontendUrl(): string {
    return `http://127.0.0.1:${this.state.frontendPort}`;
  }

  current(): TargetState {
    return structuredClone(this.state);
  }

  async status(): Promise<TargetStatus> {
    return { state: this.current(), servers: await this.runtime.showStat() };
  }

  /**
   * Deploys a commit (or branch) of the service. With a stable version serving and `canaryPercent` given, the
   * new version becomes the canary at that share; otherwise it takes all traffic and the old version is drained
   * and stopped.
   */
  deploy(
    revision: string,
    opts: DeployOptions = {},
    onProgress?: (step: string) => void,
  ): Promise<VersionState> {
    return this.exclusive(async () => {
      this.stepListener = onProgress ?? null;
      try {
        return await this.deployNow(revision, opts);
      } finally {
        this.stepListener = null;
      }
    });
  }

  /** Sends `percent` of traffic to the canary. */
  shift(percent: number): Promise<void> {
    return this.exclusive(async () => {
      const canary = this.requireCanary();
      const started = Date.now();
      this.state.canaryShare = groupWeights(percent).canary;
      await this.applyWeights();
      this.save();
      await this.publish('shift', canary, started, null);
    });
  }

  /** The canary takes all traffic; the old stable version and the baseline are drained and stopped. */
  promote(): Promise<void> {
    return this.exclusive(async () => {
      const canary = this.requireCanary();
      const started = Date.now();
      const old = this.state.stable;
      const baseline = this.state.baseline;
      this.state.canaryShare = 100;
      await this.applyWeights();
      this.state.stable = canary;
      this.state.canary = null;
      this.state.baseline = null;
      this.state.canaryShare = 0;
      this.save();
      if (baseline) await this.retire(baseline);
      if (old) await this.retire(old);
      await this.publish('promote', canary, started, null, old?.commit ?? null);
    });
  }

  /**
   * The canary (and its baseline) get no more traffic, finish their requests, and are stopped; the stable version
   * serves alone.
   */
  rollback(): Promise<void> {
    return this.exclusive(async () => {
      const canary = this.requireCanary();
      const baseline = this.state.baseline;
      const started = Date.now();
      this.state.canaryShare = 0;
      await this.applyWeights();
      this.state.canary = null;
      this.state.baseline = null;
      this.save();
      await Promise.all([this.retire(canary), baseline ? this.retire(baseline) : undefined]);
      await this.publish('rollback', this.state.stable ?? canary, started, null, canary.commit, 100);
    });
  }

  /** Stops every instance and HAProxy, and forgets the state. */
  async down(): Promise<void> {
    await this.busy.catch(() => undefined);
    for (const version of this.versions())
      for (const inst of version.instances) await this.supervisor.stop(this.idOf(version, inst));
    this.supervisor.detach();
    await stopHaproxy(this.state.haproxyPid);
    this.state = {
      ...this.state,
      haproxyPid: null,
      stable: null,
      canary: null,
      baseline: null,
      canaryShare: 0,
    };
    this.save();
  }

  /** Stops supervising without stopping anything: the service keeps serving, a later `open` adopts it. */
  close(): void {
    this.supervisor.detach();
  }

  // --- deploy -------------------------------------------------------------------------------------------

  private async deployNow(revision: string, opts: DeployOptions): Promise<VersionState> {
    const { entry } = this.opts;
    const started = Date.now();
    const previous = this.state.stable;
    if (this.state.canary)
      throw new DeployError(
        'switch',
        `a canary of ${this.state.canary.commit.slice(0, 12)} is running: promote or roll it back first`,
      );
    const progress = (s: string) => this.progress(s);
    let commit = revision;
    try {
      progress(`fetch ${entry.repository.url}`);
      await this.checkouts.fetch(entry.repository.url).catch((e: Error) => {
        throw new DeployError('fetch', e.message);
      });
      commit = await this.checkouts.resolve(entry.repository.url, revision).catch((e: Error) => {
        throw new DeployError('fetch', e.message);
      });
      if (previous?.commit === commit) return previous;
      const group: SlotGroup = previous ? otherGroup(previous.group) : 'a';
      const dir = join(this.opts.stateDir, 'versions', commit);
      progress(`checkout ${commit.slice(0, 12)}`);
      await this.checkouts.worktree(entry.repository.url, commit, dir).catch((e: Error) => {
        throw new DeployError('checkout', e.message);
      });
      await this.runStep('install', entry.commands.install, dir);
      await this.runStep('build', entry.commands.build, dir);
      const version: VersionState = {
        commit,
        version: versionOf(dir, commit),
        group,
        dir,
        instances: [],
        startedAt: Date.now(),
      };
      const canary = previous && opts.canaryPercent !== undefined;
      const baseline = canary && opts.baseline ? this.baselineOf(previous) : null;
      const running = await this.startTogether(version, baseline);
      progress(canary ? `canary at ${opts.canaryPercent} %` : 'switch traffic');
      this.state.canary = version;
      this.state.baseline = running.baseline;
      this.state.canaryShare = canary ? groupWeights(opts.canaryPercent!).canary : 100;
      this.save();
      await this.applyWeights();
      if (!canary) {
        this.state.stable = version;
        this.state.canary = null;
        this.state.canaryShare = 0;
        this.save();
        if (previous) {
          progress(`drain ${previous.commit.slice(0, 12)}`);
          await this.retire(previous);
        }
      }
      await this.publish(canary ? 'canary' : 'deploy', version, started, null, previous?.commit ?? null);
      progress('done');
      return version;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.publishFailure(
        previous ? 'canary' : 'deploy',
        commit,
        started,
        reason,
        previous?.commit ?? null,
      );
      throw error;
    }
  }

  private async runStep(stage: 'install' | 'build', argv: string[], cwd: string): Promise<void> {
    const { limits } = this.opts.entry.deployer;
    this.progress(`${stage}: ${argv.join(' ')}`);
    const result = await run(limited(argv, limits), {
      cwd,
      timeoutMs: limits.buildTimeoutMs,
      env: scrubbedEnv({
        // Every version installs from one cache, preferring what it holds: a second deploy fetches nothing.
        npm_config_cache: this.opts.npmCacheDir ?? process.env.npm_config_cache ?? join(homedir(), '.npm'),
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
      }),
    }).catch((e: Error) => {
      throw new DeployError(stage, `cannot run ${argv[0]}: ${e.message}`);
    });
    if (result.timedOut)
      throw new DeployError(stage, `${argv.join(' ')} ran over ${limits.buildTimeoutMs} ms`, result.tail);
    if (result.code !== 0)
      throw new DeployError(
        stage,
        `${argv.join(' ')} exited with ${result.code ?? result.signal}`,
        result.tail,
      );
  }

  /**
   * The stable version as a baseline: its checkout, run in the baseline's slots. Null (and the canary is judged
   * against the stable version) when HAProxy has no such slots.
   */
  private baselineOf(stable: VersionState): VersionState | null {
    if (!this.baselineSlots) {
      this.progress(
        'no baseline: this load balancer was configured without baseline slots (restart the target)',
      );
      return null;
    }
    return { ...stable, group: BASELINE_GROUP, instances: [], startedAt: Date.now() };
  }

  /**
   * Starts the canary and its baseline at the same moment, so both are equally new. A canary that does not start
   * fails the deploy (its baseline is stopped); a baseline that does not start only costs the comparison.
   */
  private async startTogether(
    version: VersionState,
    baseline: VersionState | null,
  ): Promise<{ baseline: VersionState | null }> {
    const [own, base] = await Promise.allSettled([
      this.startVersion(version),
      baseline ? this.startVersion(baseline) : Promise.resolve(),
    ]);
    if (own.status === 'rejected') {
      if (baseline && base.status === 'fulfilled') await this.retire(baseline);
      throw own.reason;
    }
    if (base.status === 'rejected') {
      this.progress(`no baseline: ${(base.reason as Error).message.split('\n')[0]}`);
      return { baseline: null };
    }
    return { baseline };
  }

  /** Starts the version's instances in its slot group and waits until they, and then HAProxy, see them healthy. */
  private async startVersion(version: VersionState): Promise<void> {
    const { deployer } = this.opts.entry;
    this.progress(`start ${deployer.instances} instance(s)`);
    try {
      for (let i = 0; i < deployer.instances; i++) {
        const slot = slotName(version.group, i);
        const inst: InstanceState = {
          slot,
          port: await freePort(),
          pid: null,
          logFile: join(this.opts.stateDir, 'logs', `${version.commit.slice(0, 12)}-${slot}.log`),
          restarts: 0,
        };
        version.instances.push(inst);
        this.writeLogMeta(version, inst);
        inst.pid = this.supervisor.start(this.specOf(version, inst));
      }
      this.progress('health check');
      await Promise.all(
        version.instances.map((inst) =>
          waitHealthy(inst.port, deployer.healthPath, deployer.healthTimeoutMs, () =>
            this.supervisor.running(this.idOf(version, inst)),
          ).catch((e: Error) => {
            throw new DeployError(
              'health',
              `instance ${inst.slot} (port ${inst.port}) ${e.message}`,
              logTail(inst.logFile),
            );
          }),
        ),
      );
      // Weight 0 first: the slot is in the load balancer but receives nothing until its group gets a share.
      for (const inst of version.instances) {
        await this.runtime.setWeight(inst.slot, 0);
        await this.runtime.setAddress(inst.slot, inst.port);
        await this.runtime.setState(inst.slot, 'ready');
      }
      await this.waitServers(
        version.instances.map((i) => i.slot),
        (s) => s.status === 'UP',
        deployer.healthTimeoutMs,
      );
    } catch (error) {
      await this.retire(version);
      throw error instanceof DeployError ? error : new DeployError('start', (error as Error).message);
    }
  }

  /** Takes a version out of the load balancer without failing a request, then stops its instances. */
  private async retire(version: VersionState): Promise<void> {
    const slots = version.instances.map((i) => i.slot);
    for (const slot of slots) {
      await this.runtime.setWeight(slot, 0).catch(() => undefined);
      await this.runtime.setState(slot, 'drain').catch(() => undefined);
    }
    await this.waitServers(slots, (s) => s.current === 0, 30_000).catch(() => undefined);
    for (const slot of slots) await this.runtime.setState(slot, 'maint').catch(() => undefined);
    // A draining server still takes the requests of clients whose cookie names it: one dispatched after the look
    // above is running now. Stopped at once, its process would cut it off (a session's log ending after its first
    // steps, a failed request); maintenance takes no new ones, so this wait ends once those have answered.
    await this.waitServers(slots, (s) => s.current === 0, 10_000).catch(() => undefined);
    for (const inst of version.instances) await this.supervisor.stop(this.idOf(version, inst));
  }

  /** Sets every slot's weight from the state: canary group and baseline their shares, stable group the rest. */
  private async applyWeights(): Promise<void> {
    const { stable, canary, canaryShare } = this.state;
    const baseline = canary ? (this.state.baseline ?? null) : null;
    const weights = groupWeights(canary ? canaryShare : 0, baseline !== null);
    const n = this.opts.entry.deployer.instances;
    const perServer = (share: number, count: number) =>
      share === 0 ? 0 : Math.max(1, Math.round((2 * share) / count));
    // Raise the receiving side first, then lower the other: at no moment do all groups have weight 0.
    const plan: Array<[VersionState, number]> = [];
    if (canary) plan.push([canary, perServer(weights.canary, canary.instances.length)]);
    if (baseline) plan.push([baseline, perServer(weights.baseline, baseline.instances.length)]);
    if (stable) plan.push([stable, perServer(canary ? weights.stable : 100, stable.instances.length)]);
    plan.sort((a, b) => b[1] - a[1]);
    for (const [version, weight] of plan)
      for (const inst of version.instances) {
        await this.runtime.setAddress(inst.slot, inst.port);
        await this.runtime.setWeight(inst.slot, weight);
        await this.runtime.setState(inst.slot, 'ready');
      }
    const used = new Set(plan.flatMap(([v]) => v.instances.map((i) => i.slot)));
    const groups = SLOT_GROUPS.filter((g) => g !== BASELINE_GROUP || this.baselineSlots);
    for (const slot of groups.flatMap((g) => slotNames(g, n)))
      if (!used.has(slot)) await this.runtime.setState(slot, 'maint');
  }

  private async waitServers(
    slots: string[],
    ok: (s: ServerStat) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = (await this.runtime.showStat()).filter((s) => slots.includes(s.server));
      if (stats.length === slots.length && stats.every(ok)) return;
      if (Date.now() > deadline)
        throw new Error(
          `load balancer: ${stats.map((s) => `${s.server} ${s.status} cur=${s.current}`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // --- helpers ------------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.catch(() => undefined).then(fn);
    this.busy = next;
    return next;
  }

  private progress(step: string): void {
    this.opts.onProgress?.(step);
    this.stepListener?.(step);
  }

  private requireCanary(): VersionState {
    if (!this.state.canary) throw new Error('no canary is running');
    return this.state.canary;
  }

  private idOf(version: VersionState, inst: InstanceState): string {
    return `${version.commit}/${inst.slot}`;
  }

  private instanceById(id: string): InstanceState | undefined {
    for (const version of this.versions())
      for (const inst of version.instances) if (this.idOf(version, inst) === id) return inst;
    return undefined;
  }

  /** The versions whose processes run: stable, canary and baseline. */
  private versions(): VersionState[] {
    return [this.state.stable, this.state.canary, this.state.baseline ?? null].filter(
      (v): v is VersionState => v !== null,
    );
  }

  private specOf(version: VersionState, inst: InstanceState): InstanceSpec {
    const { entry, service } = this.opts;
    return {
      id: this.idOf(version, inst),
      argv: limited(entry.commands.start, entry.deployer.limits),
      cwd: version.dir,
      logFile: inst.logFile,
      env: scrubbedEnv({
        ...entry.deployer.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(inst.port),
        SERVICE_NAME: service,
        SERVICE_VERSION: version.version,
        SERVICE_COMMIT: version.commit,
        INSTANCE_ID: inst.slot,
      }),
    };
  }

  /** The shipper reads who wrote a log file from this sidecar, so it needs nothing from the deployer. */
  private writeLogMeta(version: VersionState, inst: InstanceState): void {
    const meta = {
      service: this.opts.service,
      host: `${hostname()}/${inst.slot}`,
      version: version.version,
      commit: version.commit,
      instance: inst.slot,
    };
    writeJson(`${inst.logFile.replace(/\.log$/, '')}.meta.json`, meta);
  }

  private save(): void {
    this.stateFile.write(this.state);
  }

  private async publish(
    action: DeploymentAction,
    version: VersionState,
    startedAt: number,
    reason: string | null,
    previousCommit: string | null = this.state.stable?.commit ?? null,
    trafficPercent?: number,
  ): Promise<void> {
    const share =
      trafficPercent ??
      (this.state.canary?.commit === version.commit
        ? this.state.canaryShare
        : this.state.stable?.commit === version.commit
          ? 100 - (this.state.canary ? this.state.canaryShare : 0)
          : 0);
    await this.opts.recorder?.record(
      this.recordOf(
        action,
        version.commit,
        version.version,
        startedAt,
        reason,
        previousCommit,
        share,
        version.instances.length,
      ),
    );
  }

  private async publishFailure(
    action: DeploymentAction,
    commit: string,
    startedAt: number,
    reason: string,
    previousCommit: string | null,
  ): Promise<void> {
    await this.opts.recorder
      ?.record(this.recordOf(action, commit, commit.slice(0, 12), startedAt, reason, previousCommit, 0, 0))
      .catch(() => undefined);
  }

  private recordOf(
    action: DeploymentAction,
    commit: string,
    version: string,
    startedAt: number,
    reason: string | null,
    previousCommit: string | null,
    trafficPercent: number,
    instances: number,
  ): DeploymentRecord {
    const environment = this.opts.environment ?? 'local';
    const finishedAt = Date.now();
    return {
      deploymentId: createHash('sha256')
        .update(`${this.opts.service}\n${environment}\n${commit}\n${action}\n${startedAt}`)
        .digest('hex')
        .slice(0, 24),
      service: this.opts.service,
      environment,
      commit,
      version,
      previousCommit,
      action,
      outcome: reason === null ? 'succeeded' : 'failed',
      trafficPercent,
      instances,
      startedAt,
      finishedAt,
      reason: reason === null ? null : reason.slice(0, 4000),
      deployer: 'process-haproxy',
      host: hostname(),
    };
  }
}

/** Written (atomically) before the instance starts, so the shipper never sees a log without its sidecar. */
function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

/** `<package version>+<short commit>` when the checkout names a version, else the short commit. */
function versionOf(dir: string, commit: string): string {
  const short = commit.slice(0, 12);
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return short;
  try {
    const v = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' && /^[0-9A-Za-z.+-]{1,40}$/.test(v) ? `${v}+${commit.slice(0, 7)}` : short;
  } catch {
    return short;
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** A port nothing listens on right now (the kernel picks it); the instance binds it moments later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
