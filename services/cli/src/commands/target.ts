import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { CatalogueError, loadCatalogue, serviceOf } from '@self-healing/shared/catalogue';
import {
  agentCommand,
  agentSocket,
  callAgent,
  driveTraffic,
  exampleCatalogue,
  type TargetStatus,
} from '@self-healing/target';
import { localInfraStatus } from '@self-healing/infra';
import { materializeCorpus } from '@self-healing/sample-service';
import { GiteaForge, pushToForge } from '@self-healing/shared/forge';
import { CliError, printJson, printTable, progress } from '../output.js';
import { EXIT } from '../exitCodes.js';
import { topicPrefix } from '../context.js';

interface TargetOptions {
  service: string;
  catalogue: string;
  stateDir?: string;
  json?: boolean;
}

const cacheRoot = () => process.env.TARGET_HOME ?? join(homedir(), '.cache', 'self-healing');
const stateDirOf = (o: TargetOptions) => resolve(o.stateDir ?? join(cacheRoot(), 'target', o.service));

/** The deploy steps the agent reports, in order: what the progress bar counts. */
const STEPS = ['fetch', 'checkout', 'install', 'build', 'start', 'health', 'switch', 'done'];

function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--service <name>', 'service of the catalogue', 'checkout')
    .option(
      '--catalogue <file>',
      'service catalogue (YAML or JSON)',
      process.env.TARGET_CATALOGUE ?? exampleCatalogue(),
    )
    .option(
      '--state-dir <dir>',
      'where the target keeps its state (default: ~/.cache/self-healing/target/<service>)',
    )
    .option('--json', 'machine-readable output');
}

function requireAgent(o: TargetOptions): string {
  const dir = stateDirOf(o);
  if (!existsSync(agentSocket(dir)))
    throw new CliError(
      `no target of ${o.service} is up (${dir}); start it with: healctl target up`,
      EXIT.failure,
    );
  return dir;
}

async function deployWithProgress(
  dir: string,
  revision: string,
  canaryPercent: number | undefined,
  json?: boolean,
  baseline?: boolean,
) {
  const bar =
    !json && process.stderr.isTTY
      ? new SingleBar(
          { format: 'deploy {revision} [{bar}] {step}', stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        )
      : null;
  bar?.start(STEPS.length, 0, { revision, step: 'starting' });
  const { body } = await callAgent(
    dir,
    'POST',
    '/deploy',
    { revision, ...(canaryPercent !== undefined ? { canaryPercent, baseline: baseline === true } : {}) },
    (line) => {
      if (typeof line.progress !== 'string') return;
      const step = STEPS.findIndex((s) => (line.progress as string).startsWith(s));
      if (bar) bar.update(step >= 0 ? step + 1 : bar.getProgress() * STEPS.length, { step: line.progress });
      else if (!json) process.stderr.write(`deploy ${revision}: ${line.progress}\n`);
    },
  );
  bar?.stop();
  if (typeof body.error === 'string')
    throw new CliError(`${body.error}\nthe version that served before still serves`, EXIT.failure);
  return body.done as { commit: string; version: string };
}

/**
 * Puts the sample checkout service on the local forge at the catalogue's URL: the healthy history on main and one
 * branch per fault of the corpus (services/sample-service/corpus), so `target deploy fault/<id>` releases a fault.
 */
async function pushSample(url: string, json?: boolean): Promise<void> {
  const servers = await localInfraStatus().catch(() => null);
  const endpoint =
    process.env.FORGE_URL && process.env.FORGE_TOKEN
      ? { url: process.env.FORGE_URL, token: process.env.FORGE_TOKEN }
      : servers?.endpoints?.forge;
  if (!endpoint)
    throw new CliError('--push-sample needs the forge: start it with `npm run infra -- up`', EXIT.noServers);
  const base = endpoint.url.replace(/\/+$/, '');
  const match = url.startsWith(`${base}/`)
    ? /^\/([\w.-]+)\/([\w.-]+?)(\.git)?$/.exec(url.slice(base.length))
    : null;
  if (!match)
    throw new CliError(`--push-sample: ${url} is not a repository of the forge at ${base}`, EXIT.usage);
  const forge = new GiteaForge({ url: base, token: endpoint.token });
  const ref = { owner: match[1]!, name: match[2]! };
  if (await forge.getBranch(ref, 'main').catch(() => undefined)) {
    if (!json) process.stderr.write(`${url} already holds the sample service\n`);
    return;
  }
  const p = json ? null : progress(`pushing the sample service to ${url}`);
  const dir = mkdtempSync(join(tmpdir(), 'sample-repo-'));
  try {
    p?.update('materializing the corpus as a git repository');
    await materializeCorpus(join(dir, 'repo'));
    // Public: the deployer clones without credentials.
    await forge.ensureRepo(ref, {
      private: false,
      description: 'The sample checkout service (healctl target)',
    });
    p?.update('pushing');
    await pushToForge(forge, ref, {
      dir: join(dir, 'repo'),
      refspecs: ['main:main', 'refs/heads/fault/*:refs/heads/fault/*', 'refs/tags/*:refs/tags/*'],
    });
    p?.done('pushed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerTargetCommands(program: Command): void {
  const target = program
    .command('target')
    .description(
      'the healed service, run for real: versions as processes behind HAProxy, logs shipped, traffic',
    );

  withTargetOptions(
    target
      .command('up')
      .description('start HAProxy, the supervisor and the log shipper, then deploy the default branch')
      .option('--no-deploy', 'start without deploying')
      .option(
        '--push-sample',
        "first push the sample service's repository (healthy main, a branch fault/<id> per fault of the corpus) to the local forge named by the catalogue's URL, unless it is there",
      )
      .option('--environment <name>', 'environment named in deployment records', 'local'),
  ).action(async (o: TargetOptions & { deploy: boolean; environment: string; pushSample?: boolean }) => {
    // Refused here, before anything starts, with every bad field of the catalogue.
    let entry;
    try {
      entry = serviceOf(loadCatalogue(o.catalogue), o.service);
    } catch (error) {
      throw new CliError(
        (error as Error).message,
        error instanceof CatalogueError ? EXIT.usage : EXIT.failure,
      );
    }
    if (o.pushSample) await pushSample(entry.repository.url, o.json);
    const dir = stateDirOf(o);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const socket = agentSocket(dir);
    if (
      !existsSync(socket) ||
      !(await callAgent(dir, 'GET', '/status').then(
        () => true,
        () => false,
      ))
    ) {
      const servers = await localInfraStatus().catch(() => null);
      const kafka: Record<string, string> = {};
      if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
        kafka.KAFKA_BROKERS = process.env.KAFKA_BROKERS;
        kafka.SCHEMA_REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL;
      } else if (servers?.running && servers.endpoints) {
        kafka.KAFKA_BROKERS = servers.endpoints.kafkaBrokers.join(',');
        kafka.SCHEMA_REGISTRY_URL = servers.endpoints.schemaRegistryUrl;
      } else if (!o.json)
        process.stderr.write(
          'no Kafka (infra down, KAFKA_BROKERS unset): logs are not shipped, deployments not published\n',
        );
      const { execArgv, file } = agentCommand();
      const log = openSync(join(dir, 'agent.log'), 'a');
      const child = spawn(process.execPath, [...execArgv, file], {
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: homedir(),
          TARGET_CATALOGUE: resolve(o.catalogue),
          TARGET_SERVICE: o.service,
          TARGET_STATE_DIR: dir,
          TARGET_CACHE_DIR: join(cacheRoot(), 'target-cache'),
          TARGET_ENVIRONMENT: o.environment,
          TOPIC_PREFIX: topicPrefix(),
          ...kafka,
        },
      });
      closeSync(log);
      child.unref();
      const p = o.json ? null : progress(`starting the target of ${o.service}`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (
          await callAgent(dir, 'GET', '/status').then(
            () => true,
            () => false,
          )
        )
          break;
        if (child.exitCode !== null || Date.now() > deadline) {
          const tail = readFileSync(join(dir, 'agent.log'), 'utf8').slice(-2000);
          throw new CliError(`the target agent did not start:\n${tail}`, EXIT.failure);
        }
        p?.update('waiting for HAProxy and the agent');
        await new Promise((r) => setTimeout(r, 200));
      }
      p?.done('up');
    }
    const status = (await callAgent(dir, 'GET', '/status')).body as unknown as TargetStatus & {
      frontendUrl: string;
    };
    let deployed: { commit: string; version: string } | null = null;
    if (o.deploy && !status.state.stable)
      deployed = await deployWithProgress(dir, entry.repository.defaultBranch, undefined, o.json);
    if (o.json) printJson({ stateDir: dir, frontendUrl: status.frontendUrl, deployed });
    else {
      process.stdout.write(`target of ${o.service} up at ${status.frontendUrl} (state in ${dir})\n`);
      if (deployed) process.stdout.write(`deployed ${deployed.version} (${deployed.commit})\n`);
    }
  });

  withTargetOptions(
    target
      .command('deploy')
      .description(
        'build and start a commit; it takes all traffic, or --canary <percent> of it, once healthy',
      )
      .argument('<commit>', 'commit id or branch of the service repository')
      .option(
        '--canary <percent>',
        'send this share of traffic to the new version (the rest stays on the current)',
        (v) => {
          const n = Number(v);
          if (!Number.isFinite(n) || n < 0 || n > 100)
            throw new CliError(`--canary must be 0..100, not ${v}`, EXIT.usage);
          return n;
        },
      )
      .option(
        '--baseline',
        'with --canary: also start the current version afresh and give it as much traffic as the canary, to compare the two',
      ),
  ).action(async (commit: string, o: TargetOptions & { canary?: number; baseline?: boolean }) => {
    const done = await deployWithProgress(requireAgent(o), commit, o.canary, o.json, o.baseline);
    if (o.json) printJson(done);
    else
      process.stdout.write(
        `deployed ${done.version} (${done.commit})${o.canary !== undefined ? ` as canary at ${o.canary} %` : ''}\n`,
      );
  });

  for (const [name, description] of [
    ['promote', 'the canary takes all traffic; the old version is drained and stopped'],
    ['rollback', 'the canary gets no more traffic, finishes its requests and stops'],
  ] as const)
    withTargetOptions(target.command(name).description(description)).action(async (o: TargetOptions) => {
      const { status, body } = await callAgent(requireAgent(o), 'POST', `/${name}`);
      if (status !== 200) throw new CliError(String(body.error), EXIT.failure);
      if (o.json) printJson(body);
      else process.stdout.write(`${name}: done\n`);
    });

  withTargetOptions(
    target
      .command('shift')
      .description('send a share of traffic to the canary')
      .argument('<percent>', '0..100'),
  ).action(async (percent: string, o: TargetOptions) => {
    const { status, body } = await callAgent(requireAgent(o), 'POST', '/shift', { percent: Number(percent) });
    if (status !== 200) throw new CliError(String(body.error), EXIT.failure);
    if (o.json) printJson(body);
    else process.stdout.write(`canary at ${percent} %\n`);
  });

  withTargetOptions(target.command('status').description('versions, instances and what HAProxy sees')).action(
    async (o: TargetOptions) => {
      const { body } = await callAgent(requireAgent(o), 'GET', '/status');
      const status = body as unknown as TargetStatus & {
        frontendUrl: string;
        shipped: Record<string, number> | null;
      };
      if (o.json) return printJson(status);
      const { state } = status;
      process.stdout.write(`${state.service} at ${status.frontendUrl}\n`);
      const roles = ['stable', `canary ${state.canaryShare} %`, 'baseline'];
      const rows = [state.stable, state.canary, state.baseline ?? null].flatMap((v, i) =>
        (v?.instances ?? []).map((inst) => {
          const lb = status.servers.find((s) => s.server === inst.slot);
          return {
            role: roles[i],
            version: v!.version,
            commit: v!.commit.slice(0, 12),
            slot: inst.slot,
            port: inst.port,
            pid: inst.pid,
            restarts: inst.restarts,
            lb: lb?.status,
            weight: lb?.weight,
            requests: lb?.total,
          };
        }),
      );
      printTable(rows, [
        'role',
        'version',
        'commit',
        'slot',
        'port',
        'pid',
        'restarts',
        'lb',
        'weight',
        'requests',
      ]);
      if (status.shipped === null)
        process.stdout.write('logs: not shipped (no Kafka when the target started)\n');
    },
  );

  withTargetOptions(
    target
      .command('traffic')
      .description(
        'drive a seeded request mix (coupons, empty and large carts, payment declines ...) at a set rate',
      )
      .option('--rate <n>', 'shoppers (scenarios) started per second', (v) => Number(v), 20)
      .option('--scenarios <n>', 'stop after this many shoppers', (v) => Number(v), 600)
      .option('--duration <seconds>', 'or after this long', (v) => Number(v), 60)
      .option('--seed <n>', 'seed of the mix', (v) => Number(v), 1),
  ).action(async (o: TargetOptions & { rate: number; scenarios: number; duration: number; seed: number }) => {
    for (const [name, v] of [
      ['--rate', o.rate],
      ['--scenarios', o.scenarios],
      ['--duration', o.duration],
    ] as const)
      if (!Number.isFinite(v) || v <= 0) throw new CliError(`${name} must be a positive number`, EXIT.usage);
    const { body } = await callAgent(requireAgent(o), 'GET', '/status');
    const url = String(body.frontendUrl);
    const bar =
      !o.json && process.stderr.isTTY
        ? new SingleBar(
            {
              format: 'traffic [{bar}] {value}/{total} requests  {unexpected} unexpected',
              stream: process.stderr,
            },
            Presets.shades_classic,
          )
        : null;
    let requests = 0;
    let unexpected = 0;
    bar?.start(o.scenarios * 3, 0, { unexpected: 0 });
    const report = await driveTraffic({
      url,
      seed: o.seed,
      rate: o.rate,
      scenarios: o.scenarios,
      maxDurationMs: o.duration * 1000,
      onRequest: (r) => {
        requests += 1;
        if (!r.expected) unexpected += 1;
        bar?.setTotal(Math.max(bar.getTotal(), requests));
        bar?.update(requests, { unexpected });
      },
    });
    bar?.stop();
    const { results: _results, ...summary } = report;
    if (o.json) return printJson(summary);
    process.stdout.write(
      `${report.scenarios} shoppers, ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s ` +
        `(${report.achievedRate.toFixed(1)}/s); unexpected ${report.unexpected}, no answer ${report.failed}; ` +
        `p50 ${report.latencyMs.p50.toFixed(0)} ms, p95 ${report.latencyMs.p95.toFixed(0)} ms\n`,
    );
    printTable(
      Object.entries(report.byServer).map(([server, s]) => ({ server, ...s, p95: s.p95.toFixed(0) })),
      ['server', 'requests', 'unexpected', 'p95'],
    );
    process.stdout.write(`statuses: ${JSON.stringify(report.byStatus)}\n`);
  });

  withTargetOptions(target.command('down').description('stop every instance, HAProxy and the agent')).action(
    async (o: TargetOptions) => {
      const dir = requireAgent(o);
      const p = o.json ? null : progress('stopping the target');
      await callAgent(dir, 'POST', '/down');
      p?.done('down');
      if (o.json) printJson({ down: true });
      else process.stdout.write(`target of ${o.service} down\n`);
    },
  );
}
