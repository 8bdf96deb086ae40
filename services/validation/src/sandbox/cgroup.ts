import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Machine } from './capabilities.js';

/**
 * The cgroups (v1) of one run: a memory group and a pids group, children of the platform's own groups so the run's
 * memory also counts against the platform's. The run's first process moves itself in before it execs the untrusted
 * program, so everything the program starts is inside and bounded; after the run the groups are emptied and removed.
 */
export class RunCgroups {
  private constructor(
    readonly memory: string | null,
    readonly pids: string | null,
  ) {}

  static async create(m: Machine, memoryMb: number, maxTasks: number): Promise<RunCgroups> {
    const name = `sandbox-${process.pid}-${randomBytes(4).toString('hex')}`;
    const memory = m.memoryCgroup ? join(m.memoryCgroup, name) : null;
    const pids = m.pidsCgroup ? join(m.pidsCgroup, name) : null;
    const groups = new RunCgroups(memory, pids);
    try {
      if (memory) {
        await mkdir(memory);
        const bytes = String(Math.max(1, Math.floor(memoryMb)) * 1024 * 1024);
        await writeFile(join(memory, 'memory.limit_in_bytes'), bytes);
        // Without it the run could go on in swap; the memsw limit must be set after (and be at least) the RAM limit.
        if (m.memswAccounting) await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), bytes);
      }
      if (pids) {
        await mkdir(pids);
        await writeFile(join(pids, 'pids.max'), String(Math.max(1, Math.floor(maxTasks))));
      }
    } catch (err) {
      await groups.remove();
      throw err;
    }
    return groups;
  }

  /** The files the run's first process writes itself into. */
  procsFiles(): string[] {
    return [this.memory, this.pids]
      .filter((g): g is string => g !== null)
      .map((g) => join(g, 'cgroup.procs'));
  }

  /** Processes the kernel killed for want of memory in this group (0 when unknown). */
  async oomKills(): Promise<number> {
    if (!this.memory) return 0;
    const control = await readFile(join(this.memory, 'memory.oom_control'), 'utf8').catch(() => '');
    const kills = /^oom_kill (\d+)$/m.exec(control);
    if (kills) return Number(kills[1]);
    // Kernels before 4.13 do not count kills; hitting the limit is the best sign left.
    const failcnt = await readFile(join(this.memory, 'memory.failcnt'), 'utf8').catch(() => '0');
    return Number(failcnt.trim()) > 0 ? 1 : 0;
  }

  /** Times a fork or clone failed because the group was at pids.max. */
  async processLimitHits(): Promise<number> {
    if (!this.pids) return 0;
    const events = await readFile(join(this.pids, 'pids.events'), 'utf8').catch(() => '');
    return Number(/^max (\d+)$/m.exec(events)?.[1] ?? 0);
  }

  private async members(): Promise<number[]> {
    const pids = new Set<number>();
    for (const file of this.procsFiles()) {
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim()) pids.add(Number(line));
    }
    return [...pids];
  }

  /**
   * SIGKILLs every process still in the groups until none is left. Without a pid namespace this is what catches a
   * process that left the run's process group (setsid); with one, the kernel has already done it.
   */
  async killAll(): Promise<number> {
    let left: number[] = [];
    for (let round = 0; round < 50; round++) {
      left = await this.members();
      if (left.length === 0) return 0;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sleep(20);
    }
    return left.length;
  }

  /** Removes the groups; a group is removable once its last process is reaped, which may take a moment. */
  async remove(): Promise<void> {
    for (const group of [this.memory, this.pids]) {
      if (!group) continue;
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(group);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (attempt >= 50) throw err;
          await sleep(20);
        }
      }
    }
  }
}

/**
 * Removes the groups of runs whose platform process died without cleaning up (a SIGKILL mid-run): their processes
 * died with the run's namespace, but the empty groups stay until someone removes them. Called once per process.
 */
export async function sweepStaleCgroups(m: Pick<Machine, 'memoryCgroup' | 'pidsCgroup'>): Promise<string[]> {
  const removed: string[] = [];
  for (const parent of [m.memoryCgroup, m.pidsCgroup]) {
    if (!parent) continue;
    for (const entry of await readdir(parent).catch(() => [] as string[])) {
      const owner = /^sandbox-(\d+)-[0-9a-f]+$/.exec(entry)?.[1];
      if (!owner || Number(owner) === process.pid || (await exists(`/proc/${owner}`))) continue;
      const group = join(parent, entry);
      const procs = await readFile(join(group, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of procs.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      for (let attempt = 0; attempt < 50; attempt++) {
        const err = await rmdir(group).then(
          () => null,
          (e: NodeJS.ErrnoException) => e,
        );
        if (!err || err.code === 'ENOENT') {
          removed.push(group);
          break;
        }
        await sleep(20);
      }
    }
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
