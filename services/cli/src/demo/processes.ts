import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** The platform's services the demo runs, each as its own process (its `main.ts`, as it is deployed). */
export const PLATFORM_SERVICES = [
  'telemetry-parse',
  'anomaly-detect',
  'diagnosis',
  'fix-generate',
  'validation',
  'deployment',
  'learning',
  'projector',
] as const;
export type PlatformService = (typeof PLATFORM_SERVICES)[number];

/**
 * The platform's services as processes, each possibly in several instances (SERVICE_INSTANCE_ID 0, 1...): the
 * stage services share their consumer group's partitions between them (anomaly-detect keeps one active and the
 * others on standby behind its lease); the projector stays one, one writer of the projection.
 */
export class PlatformProcesses {
  private readonly running = new Map<string, ChildProcess>();
  /** How many times each service was killed: the next kill takes its next instance, round robin. */
  private readonly kills = new Map<PlatformService, number>();

  constructor(
    private readonly root: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    readonly instances: number,
  ) {
    for (const s of PLATFORM_SERVICES) for (let i = 0; i < this.instancesOf(s); i++) this.start(s, i);
  }

  instancesOf(service: PlatformService): number {
    return service === 'projector' ? 1 : this.instances;
  }

  /** SIGKILLs one instance of the service (the next one in turn) and starts it again at once. */
  async killAndRestart(service: PlatformService): Promise<number> {
    const n = this.kills.get(service) ?? 0;
    this.kills.set(service, n + 1);
    const instance = n % this.instancesOf(service);
    const victim = this.running.get(`${service}#${instance}`)!;
    if (victim.exitCode === null && victim.signalCode === null) {
      const dead = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await dead;
    }
    this.start(service, instance);
    return instance;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => stopServiceProcess(p)));
  }

  private start(service: PlatformService, instance: number): void {
    // The first instance keeps the log name a single-instance run has always had.
    const log = join(this.logDir, instance === 0 ? `${service}.log` : `${service}.${instance}.log`);
    this.running.set(
      `${service}#${instance}`,
      startServiceProcess(this.root, service, { ...this.env, SERVICE_INSTANCE_ID: String(instance) }, log),
    );
  }
}

/**
 * Runs one of the platform's services from the repository's sources (TypeScript through tsx, as `npm run demo`
 * does everything else), with exactly the environment given plus PATH and HOME; its output goes to `logFile`.
 */
export function startServiceProcess(
  root: string,
  service: PlatformService,
  env: Record<string, string>,
  logFile: string,
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** SIGTERM (the services drain and commit), SIGKILL after `graceMs`. */
export async function stopServiceProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
