import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { callAgent, requestsSince, type SlotGroup, type TargetState } from '@self-healing/target';

/** A request as the target's load balancer logged it (the agent's `GET /requests`). */
export interface LoggedRequest {
  at: number;
  group: SlotGroup | null;
  status: number;
  totalMs: number;
  /** Retried on another server after its first one refused: its time and slot say little about either version. */
  redispatched: boolean;
}

export interface RequestWindow {
  requests: LoggedRequest[];
  stableGroup: SlotGroup | null;
  canaryGroup: SlotGroup | null;
  /** The canary's baseline: the stable commit in processes started with the canary's. */
  baselineGroup: SlotGroup | null;
  stableCommit: string | null;
  canaryCommit: string | null;
  truncated: boolean;
}

/** The deployer refused or failed an action; `status` is the agent's HTTP answer (409: the state forbids it). */
export class TargetError extends Error {
  override name = 'TargetError';
  constructor(
    readonly action: string,
    message: string,
    readonly stage: string | null = null,
  ) {
    super(`target ${action}: ${message}`);
  }
}

/**
 * The service's target, reached through its agent (`healctl target up` runs one per service, owning HAProxy and
 * the instances): deploy a commit as a canary, move its weight, promote, roll back, and read the requests the load
 * balancer served. The agent listens on a unix socket in the target's state folder, which only its owner reaches.
 */
export class TargetClient {
  readonly stateDir: string;

  constructor(
    targetHome: string,
    readonly service: string,
  ) {
    this.stateDir = join(targetHome, 'target', service);
  }

  private ensureUp(): void {
    if (!existsSync(join(this.stateDir, 'agent.sock')))
      throw new TargetError('connect', `no target agent for ${this.service} (run \`healctl target up\`)`);
  }

  async state(): Promise<TargetState> {
    this.ensureUp();
    const r = await callAgent(this.stateDir, 'GET', '/status');
    if (r.status !== 200) throw new TargetError('status', String(r.body.error ?? r.status));
    return r.body.state as TargetState;
  }

  /**
   * Builds and starts `revision` and gives it `canaryPercent` of the traffic once healthy, with a baseline when
   * asked (see the catalogue's `healing.canary.baseline`); the commit it runs.
   */
  async deployCanary(
    revision: string,
    canaryPercent: number,
    baseline = false,
  ): Promise<{ commit: string; version: string }> {
    this.ensureUp();
    const r = await callAgent(
      this.stateDir,
      'POST',
      '/deploy',
      { revision, canaryPercent, baseline },
      () => undefined,
    );
    const done = r.body.done as { commit: string; version: string } | undefined;
    if (!done)
      throw new TargetError('deploy', String(r.body.error ?? 'no answer'), (r.body.stage as string) ?? null);
    return { commit: done.commit, version: done.version };
  }

  shift(percent: number): Promise<void> {
    return this.action('shift', { percent });
  }

  promote(): Promise<void> {
    return this.action('promote');
  }

  rollback(): Promise<void> {
    return this.action('rollback');
  }

  async requests(sinceMs: number, untilMs: number): Promise<RequestWindow> {
    this.ensureUp();
    const w = await requestsSince(this.stateDir, Math.floor(sinceMs), Math.ceil(untilMs)).catch(
      (e: Error) => {
        throw new TargetError('requests', e.message);
      },
    );
    return {
      // HAProxy logs -1 (here null) when no answer came: the user saw a failure.
      requests: w.requests.map((q) => ({
        at: q.at,
        group: q.group,
        status: q.status ?? 0,
        totalMs: q.totalMs,
        redispatched: q.redispatched,
      })),
      stableGroup: w.stableGroup,
      canaryGroup: w.canaryGroup,
      // An agent from before baselines answers without the field.
      baselineGroup: w.baselineGroup ?? null,
      stableCommit: w.stableCommit,
      canaryCommit: w.canaryCommit,
      truncated: w.truncated,
    };
  }

  private async action(name: string, body?: unknown): Promise<void> {
    this.ensureUp();
    const r = await callAgent(this.stateDir, 'POST', `/${name}`, body ?? {});
    if (r.status !== 200) throw new TargetError(name, String(r.body.error ?? r.status));
  }
}
