// `npm run infra -- up|down|status|restart [--json]`: the local launcher from the command line.
// Exit codes: 0 ok; 1 failed (which server and its log tail are printed); 2 usage; 3 status: not (fully) running.
import { Command, InvalidArgumentError } from 'commander';
import type { LocalInfraOptions, Ports } from './config.js';
import { endpointsToEnvLines } from './env.js';
import {
  RESTARTABLE_SERVERS,
  localInfraStatus,
  restartLocalServer,
  startLocalInfra,
  stopLocalInfra,
  type RestartableServer,
} from './launcher.js';

type Common = { json?: boolean; cacheDir?: string };
type UpOpts = Common & {
  kafkaPort?: number;
  kafkaControllerPort?: number;
  registryPort?: number;
  ferretdbPort?: number;
  giteaPort?: number;
  /** commander's `--no-gitea`: false when given. */
  gitea?: boolean;
};

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
}

function options(o: UpOpts): LocalInfraOptions {
  const ports: Partial<Ports> = {};
  if (o.kafkaPort) ports.kafka = o.kafkaPort;
  if (o.kafkaControllerPort) ports.kafkaController = o.kafkaControllerPort;
  if (o.registryPort) ports.registry = o.registryPort;
  if (o.ferretdbPort) ports.ferretdb = o.ferretdbPort;
  if (o.giteaPort) ports.gitea = o.giteaPort;
  return {
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.gitea === false ? { gitea: false } : {}),
    ports,
    // Progress goes to stderr so that `--json` output on stdout stays parseable.
    log: (l) => process.stderr.write(`[infra] ${l}\n`),
  };
}

const program = new Command('infra')
  .description(
    'Start, stop and inspect the local Kafka, Schema Registry (Apicurio), FerretDB and Gitea (forge)',
  )
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .showHelpAfterError();

program
  .command('up')
  .description(
    'start the servers (downloading/building on first use) or reuse running ones; prints the endpoints',
  )
  .option('--json', 'print machine-readable output')
  .option('--cache-dir <dir>', 'cache directory (default $SELF_HEALING_CACHE or ~/.cache/self-healing)')
  .option('--kafka-port <port>', 'Kafka listener port (default 19092)', port)
  .option('--kafka-controller-port <port>', 'KRaft controller port (default 19093)', port)
  .option('--registry-port <port>', 'Schema Registry port (default 18081)', port)
  .option('--ferretdb-port <port>', 'FerretDB port (default 27018)', port)
  .option('--gitea-port <port>', 'Gitea (forge) HTTP port (default 13000)', port)
  .option('--no-gitea', 'do not start the forge (Gitea)')
  .action(async (o: UpOpts) => {
    const infra = await startLocalInfra(options(o));
    if (o.json) {
      console.log(
        JSON.stringify(
          {
            endpoints: infra.endpoints,
            startedHere: infra.startedHere,
            logs: infra.logs,
            timings: infra.timings,
          },
          null,
          2,
        ),
      );
    } else {
      const added = Object.keys(infra.timings.servers ?? {});
      console.log(
        infra.startedHere
          ? `started in ${infra.timings.totalMs} ms`
          : added.length > 0
            ? `reused the running servers, started ${added.join(', ')} in ${infra.timings.totalMs} ms`
            : 'already running (reused)',
      );
      if (infra.timings.servers) {
        for (const [name, t] of Object.entries(infra.timings.servers)) {
          console.log(
            `  ${name}: ${t.installed ? `installed in ${t.installMs} ms, ` : ''}ready after ${t.readyMs} ms`,
          );
        }
      }
      for (const line of endpointsToEnvLines(infra.endpoints)) console.log(line);
    }
  });

program
  .command('down')
  .description('stop the servers named in the state file (SIGTERM, then SIGKILL)')
  .option('--json', 'print machine-readable output')
  .option('--cache-dir <dir>', 'cache directory')
  .action(async (o: Common) => {
    const result = await stopLocalInfra(options(o));
    if (o.json) console.log(JSON.stringify({ stopped: result ?? null }));
    else if (!result) console.log('nothing to stop (no state file)');
    else for (const [name, how] of Object.entries(result)) console.log(`${name}: ${how}`);
  });

program
  .command('restart <server>')
  .description(
    `stop one server and start it again on its data (${RESTARTABLE_SERVERS.join(', ')}; the registry keeps schemas in memory)`,
  )
  .option('--kill', 'take it down with SIGKILL, as a crash would')
  .option('--json', 'print machine-readable output')
  .option('--cache-dir <dir>', 'cache directory')
  .action(async (server: string, o: Common & { kill?: boolean }) => {
    if (!(RESTARTABLE_SERVERS as readonly string[]).includes(server))
      throw new InvalidArgumentError(
        `not a restartable server: ${server} (${RESTARTABLE_SERVERS.join(', ')})`,
      );
    const r = await restartLocalServer(server as RestartableServer, { ...options(o), kill: o.kill ?? false });
    if (o.json) console.log(JSON.stringify({ restarted: server, ...r }));
    else console.log(`${server}: pid ${r.pid}, down for ${r.downMs} ms`);
  });

program
  .command('status')
  .description('show whether the servers run and answer; exit code 3 when not all of them do')
  .option('--json', 'print machine-readable output')
  .option('--cache-dir <dir>', 'cache directory')
  .action(async (o: Common) => {
    const status = await localInfraStatus(options(o));
    if (o.json) console.log(JSON.stringify(status, null, 2));
    else if (!status.servers || !status.endpoints)
      console.log(`stopped (no state file at ${status.stateFile})`);
    else {
      console.log(`${status.state} (started ${status.startedAt})`);
      for (const [name, s] of Object.entries(status.servers)) {
        const what = s.running
          ? s.ready
            ? 'ready'
            : `running, not answering: ${s.error ?? '?'}`
          : 'not running';
        console.log(`  ${name}: pid ${s.pid} ${what}; log ${s.logFile}`);
      }
      for (const line of endpointsToEnvLines(status.endpoints)) console.log(line);
    }
    if (!status.running) process.exitCode = 3;
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`infra: ${(e as Error).message}`);
  process.exitCode = 1;
}
