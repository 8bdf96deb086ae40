/**
 * Chaos for a running scenario: the platform's stage services SIGKILLed at random moments and started again at
 * once (a crash and its supervisor's restart), in rounds that kill each of them once in a random order, and the
 * broker and the database each taken down hard once between rounds. What the platform must survive: every
 * incident still reaches its end, and every outside action (pull request, merge, deployment, learning record)
 * happens exactly once.
 */
import type { RestartableServer } from '@self-healing/infra';
import { prng } from '@self-healing/target';
import { PLATFORM_SERVICES, type PlatformService } from './processes.js';

/** The seven stage services; the projector only reads, and the story reads the projection. */
export const CHAOS_VICTIMS = PLATFORM_SERVICES.filter((s) => s !== 'projector');

export interface ChaosPlan {
  seed: number;
  /** Mean seconds between two kills (each gap uniform in half to one and a half of it). */
  meanGapS: number;
  /** Servers taken down with SIGKILL and started again, one after each of the first rounds of kills. */
  restartServers: RestartableServer[];
}

export type ChaosStep =
  | { kind: 'kill'; service: PlatformService; afterMs: number }
  | { kind: 'restart'; server: RestartableServer; afterMs: number };

/** The plan's steps, endless: a round of kills (every victim once, shuffled), then a server restart while any left. */
export function* chaosSchedule(plan: ChaosPlan, victims: readonly PlatformService[]): Generator<ChaosStep> {
  const random = prng(plan.seed);
  const gap = () => Math.round(plan.meanGapS * 1000 * (0.5 + random()));
  const servers = [...plan.restartServers];
  for (;;) {
    const round = [...victims];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    for (const service of round) yield { kind: 'kill', service, afterMs: gap() };
    const server = servers.shift();
    if (server) yield { kind: 'restart', server, afterMs: gap() };
  }
}

export interface ChaosEvent {
  at: number;
  kind: 'kill' | 'restart';
  target: string;
  /** A server restart: how long it was down. */
  downMs?: number;
  error?: string;
}

/** Runs the schedule until stopped; a step in progress is finished before `stop` returns. */
export function startChaos(
  plan: ChaosPlan,
  io: {
    services: readonly PlatformService[];
    kill: (service: PlatformService) => Promise<void>;
    restartServer: (server: RestartableServer) => Promise<void>;
    say: (line: string) => void;
  },
) {
  let running = true;
  const events: ChaosEvent[] = [];
  const sleep = async (ms: number) => {
    for (const until = Date.now() + ms; running && Date.now() < until;)
      await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  };
  const loop = (async () => {
    for (const step of chaosSchedule(plan, io.services)) {
      await sleep(step.afterMs);
      if (!running) return;
      const at = Date.now();
      const target = step.kind === 'kill' ? step.service : step.server;
      try {
        if (step.kind === 'kill') {
          await io.kill(step.service);
          events.push({ at, kind: 'kill', target });
          io.say(`     ✖ chaos: ${step.service} SIGKILLed and started again`);
        } else {
          io.say(`     ✖ chaos: ${step.server} taken down with SIGKILL, starting it again`);
          await io.restartServer(step.server);
          events.push({ at, kind: 'restart', target, downMs: Date.now() - at });
          io.say(`     ✖ chaos: ${step.server} back after ${Math.round((Date.now() - at) / 1000)} s`);
        }
      } catch (error) {
        events.push({ at, kind: step.kind, target, error: (error as Error).message });
        io.say(`     ✖ chaos: ${step.kind} of ${target} failed: ${(error as Error).message}`);
      }
    }
  })();
  return {
    log: (): ChaosEvent[] => events.map((e) => ({ ...e })),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

export type Chaos = ReturnType<typeof startChaos>;
