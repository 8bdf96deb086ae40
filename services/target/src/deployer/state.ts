import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SlotGroup } from './haproxy/config.js';

export interface InstanceState {
  /** HAProxy server slot, e.g. `a1`. */
  slot: string;
  port: number;
  /** Pid of the instance (the leader of its own process group); null while it is being restarted. */
  pid: number | null;
  logFile: string;
  restarts: number;
}

export interface VersionState {
  commit: string;
  version: string;
  group: SlotGroup;
  dir: string;
  instances: InstanceState[];
  startedAt: number;
}

/** What a restarted deployer needs to find its load balancer and its processes again. */
export interface TargetState {
  service: string;
  frontendPort: number;
  haproxyPid: number | null;
  stable: VersionState | null;
  canary: VersionState | null;
  /**
   * The canary's baseline, when its deploy asked for one: the stable version's commit and checkout, started as
   * new processes with the canary and given as much traffic, so the canary is judged against processes exactly as
   * new as its own (state files written before baselines existed have no such field).
   */
  baseline?: VersionState | null;
  /** Percent of traffic the canary receives. */
  canaryShare: number;
}

/** The state file, replaced atomically (write then rename) so a crash mid-write leaves the previous state. */
export class StateFile {
  constructor(private readonly path: string) {}

  read(): TargetState | null {
    if (!existsSync(this.path)) return null;
    return JSON.parse(readFileSync(this.path, 'utf8')) as TargetState;
  }

  write(state: TargetState): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2));
    renameSync(tmp, this.path);
  }
}
