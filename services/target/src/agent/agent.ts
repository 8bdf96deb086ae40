import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import { Deployer, DeployError } from '../deployer/deployer.js';
import type { SlotGroup } from '../deployer/haproxy/config.js';
import { haproxyLogFile } from '../deployer/haproxy/process.js';
import { readRequestsSince, type RequestLog } from '../deployer/requestLog.js';
import type { DeploymentRecorder } from '../deployer/record.js';
import { LogShipper } from '../shipper/shipper.js';

/**
 * The long-running half of `healctl target`: owns the deployer (HAProxy, the supervised instances) and the log
 * shipper, and takes commands over HTTP on a unix socket in the state directory (mode of the directory: only
 * its owner reaches it). One agent per target; the CLI's commands are its clients.
 */
export interface AgentOptions {
  service: string;
  entry: ServiceEntry;
  stateDir: string;
  cacheDir: string;
  environment: string;
  recorder?: DeploymentRecorder;
  /** Ships the instances' logs when given. */
  shipping?: { producer: Producer; topic: string };
  log: (line: string) => void;
}

export function agentSocket(stateDir: string): string {
  return join(stateDir, 'agent.sock');
}

/**
 * Answer of `GET /requests`: the requests HAProxy served in a window, with which slot group and commit is the
 * stable version and which the canary. Those are the deployer's state when the answer is made, not at each
 * request's time: a caller that judges a canary asks before it promotes or rolls back.
 */
export interface TargetRequests extends RequestLog {
  stableGroup: SlotGroup | null;
  canaryGroup: SlotGroup | null;
  /** The canary's baseline (the stable commit in processes as new as the canary's), when it has one. */
  baselineGroup: SlotGroup | null;
  stableCommit: string | null;
  canaryCommit: string | null;
  /** Percent of traffic the canary group receives. */
  canaryShare: number;
}

export interface RunningAgent {
  deployer: Deployer;
  /** Resolves when a `down` command stopped everything. */
  stopped: Promise<void>;
  close(): Promise<void>;
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const deployer = await Deployer.open({
    service: opts.service,
    entry: opts.entry,
    stateDir: opts.stateDir,
    cacheDir: opts.cacheDir,
    environment: opts.environment,
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    onEvent: (e) => opts.log(`${e.kind} ${e.instance}: ${e.detail}`),
  });
  const shipper = opts.shipping
    ? new LogShipper({
        logDir: join(opts.stateDir, 'logs'),
        checkpointFile: join(opts.stateDir, 'shipper.json'),
        topic: opts.shipping.topic,
        producer: opts.shipping.producer,
        onError: (error) => opts.log(`shipping failed, retrying: ${error.message}`),
      })
    : null;
  shipper?.start();

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const socket = agentSocket(opts.stateDir);
  rmSync(socket, { force: true });
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => reply(res, 500, { error: error.message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : {};
    const url = new URL(req.url ?? '/', 'http://agent');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /status':
        return reply(res, 200, {
          ...(await deployer.status()),
          frontendUrl: deployer.frontendUrl,
          shipped: shipper?.offsets() ?? null,
        });
      case 'GET /requests': {
        const since = epochMs(url.searchParams.get('since'));
        const untilParam = url.searchParams.get('until');
        const until = untilParam === null ? undefined : epochMs(untilParam);
        if (since === null || until === null)
          return reply(res, 400, { error: 'since (and until, when given) must be epoch milliseconds' });
        if (until !== undefined && until < since) return reply(res, 400, { error: 'until is before since' });
        const log = await readRequestsSince(
          haproxyLogFile(opts.stateDir),
          since,
          until === undefined ? {} : { untilMs: until },
        );
        const state = deployer.current();
        const answer: TargetRequests = {
          ...log,
          stableGroup: state.stable?.group ?? null,
          canaryGroup: state.canary?.group ?? null,
          baselineGroup: state.baseline?.group ?? null,
          stableCommit: state.stable?.commit ?? null,
          canaryCommit: state.canary?.commit ?? null,
          canaryShare: state.canaryShare,
        };
        return reply(res, 200, answer);
      }
      case 'POST /deploy': {
        // Progress as NDJSON lines while the deploy runs, then one line with the result.
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const { revision, canaryPercent, baseline } = body as {
          revision?: unknown;
          canaryPercent?: unknown;
          baseline?: unknown;
        };
        if (typeof revision !== 'string')
          return void res.end(`${JSON.stringify({ error: 'revision missing' })}\n`);
        try {
          const version = await deployer.deploy(
            revision,
            {
              ...(typeof canaryPercent === 'number' ? { canaryPercent } : {}),
              baseline: baseline === true,
            },
            (step) => res.write(`${JSON.stringify({ progress: step })}\n`),
          );
          res.end(`${JSON.stringify({ done: version })}\n`);
        } catch (error) {
          const stage = error instanceof DeployError ? error.stage : null;
          res.end(`${JSON.stringify({ error: (error as Error).message, stage })}\n`);
        }
        return;
      }
      case 'POST /shift': {
        const { percent } = body as { percent?: unknown };
        if (typeof percent !== 'number') return reply(res, 400, { error: 'percent missing' });
        return run(res, () => deployer.shift(percent));
      }
      case 'POST /promote':
        return run(res, () => deployer.promote());
      case 'POST /rollback':
        return run(res, () => deployer.rollback());
      case 'POST /down': {
        await shipper?.stop().catch(() => undefined);
        await deployer.down();
        reply(res, 200, { ok: true });
        server.close();
        rmSync(socket, { force: true });
        resolveStopped();
        return;
      }
      default:
        return reply(res, 404, { error: `no route ${route}` });
    }
  }

  async function run(res: ServerResponse, action: () => Promise<void>): Promise<void> {
    try {
      await action();
      reply(res, 200, { ok: true, state: deployer.current() });
    } catch (error) {
      reply(res, 409, { error: (error as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  opts.log(`target of ${opts.service} up: ${deployer.frontendUrl}, control socket ${socket}`);
  return {
    deployer,
    stopped,
    async close() {
      server.close();
      await shipper?.stop().catch(() => undefined);
      deployer.close();
    },
  };
}

/** A query parameter as epoch ms: digits only (no `1e3`, no sign, no fraction), a safe integer. */
function epochMs(value: string | null): number | null {
  if (value === null || !/^\d{1,16}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  if (chunks.length === 0) return {};
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}
