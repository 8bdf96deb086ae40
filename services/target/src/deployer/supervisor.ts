import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isAlive, killGroup } from './exec.js';

export interface InstanceSpec {
  /** Stable id of the instance (`<commit>/<slot>`): a restart keeps it. */
  id: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** stdout and stderr are appended here: the shipper follows the file and survives our restarts. */
  logFile: string;
}

export interface SupervisorEvents {
  /** A supervised instance got a new pid (first start or restart). */
  started(id: string, pid: number, restarts: number): void;
  /** An instance exited without being asked to; a restart follows after `delayMs`. */
  crashed(id: string, code: number | null, signal: string | null, delayMs: number): void;
}

interface Supervised {
  spec: InstanceSpec;
  pid: number;
  restarts: number;
  stopping: boolean;
  upSince: number;
  timer: NodeJS.Timeout | null;
}

const BACKOFF_START_MS = 200;
const BACKOFF_MAX_MS = 10_000;
/** An instance that stayed up this long starts its backoff afresh after the next crash. */
const STABLE_AFTER_MS = 30_000;

export function backoffMs(restarts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, restarts));
}

/**
 * Keeps instances running: each is its own process group with its output appended to a file; one that exits
 * unasked is started again with exponential backoff. Instances this process started are watched through their
 * exit event; instances adopted after a restart of the deployer (pids from the state file) are polled.
 */
export class Supervisor {
  private readonly instances = new Map<string, Supervised>();
  private readonly poller: NodeJS.Timeout;

  constructor(private readonly events: SupervisorEvents) {
    this.poller = setInterval(() => this.pollAdopted(), 250);
    this.poller.unref();
  }

  start(spec: InstanceSpec, restarts = 0): number {
    const out = openSync(spec.logFile, 'a');
    const [program, ...args] = spec.argv;
    try {
      const child = spawn(program!, args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', out, out],
      });
      if (!child.pid) throw new Error(`could not start ${program}`);
      // Instances outlive the deployer: a restarted deployer adopts them instead of restarting the service.
      child.unref();
      const entry: Supervised = {
        spec,
        pid: child.pid,
        restarts,
        stopping: false,
        upSince: Date.now(),
        timer: null,
      };
      this.instances.set(spec.id, entry);
      child.on('exit', (code, signal) => this.exited(spec.id, child.pid!, code, signal));
      this.events.started(spec.id, child.pid, restarts);
      return child.pid;
    } finally {
      closeSync(out);
    }
  }

  /** Takes over an instance a previous deployer process started; dead ones are restarted. */
  adopt(spec: InstanceSpec, pid: number | null, restarts: number): void {
    if (pid !== null && isAlive(pid)) {
      this.instances.set(spec.id, { spec, pid, restarts, stopping: false, upSince: Date.now(), timer: null });
    } else {
      this.start(spec, restarts + 1);
    }
  }

  pidOf(id: string): number | null {
    return this.instances.get(id)?.pid ?? null;
  }

  running(id: string): boolean {
    const entry = this.instances.get(id);
    return !!entry && entry.timer === null && isAlive(entry.pid);
  }

  /** Stops an instance (SIGTERM to its group, SIGKILL after the grace period) and forgets it. */
  async stop(id: string, graceMs = 5000): Promise<void> {
    const entry = this.instances.get(id);
    if (!entry) return;
    entry.stopping = true;
    if (entry.timer) clearTimeout(entry.timer);
    killGroup(entry.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!isZombieOrGone(entry.pid)) {
      if (Date.now() > deadline) {
        killGroup(entry.pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.instances.delete(id);
  }

  /** Stops watching without stopping the processes (the deployer shuts down; the service keeps running). */
  detach(): void {
    clearInterval(this.poller);
    for (const entry of this.instances.values()) {
      entry.stopping = true;
      if (entry.timer) clearTimeout(entry.timer);
    }
    this.instances.clear();
  }

  private exited(id: string, pid: number, code: number | null, signal: string | null): void {
    const entry = this.instances.get(id);
    if (!entry || entry.pid !== pid || entry.stopping || entry.timer) return;
    if (Date.now() - entry.upSince > STABLE_AFTER_MS) entry.restarts = 0;
    const delayMs = backoffMs(entry.restarts);
    this.events.crashed(id, code, signal, delayMs);
    entry.timer = setTimeout(() => {
      if (entry.stopping) return;
      this.start(entry.spec, entry.restarts + 1);
    }, delayMs);
  }

  private pollAdopted(): void {
    for (const [id, entry] of this.instances) {
      if (entry.timer || entry.stopping) continue;
      // Our own children are reaped by Node and reported through `exit`; adopted ones only vanish.
      if (!isAlive(entry.pid)) this.exited(id, entry.pid, null, null);
    }
  }
}

/** A process that exited but was not yet reaped still answers kill(0); /proc says it is a zombie. */
function isZombieOrGone(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state is the field after the parenthesised command name (which may itself hold spaces).
    return text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
