import type { Command } from 'commander';
import {
  RESTARTABLE_SERVERS,
  localInfraStatus,
  restartLocalServer,
  startLocalInfra,
  stopLocalInfra,
  type RestartableServer,
} from '@self-healing/infra';
import { printJson } from '../output.js';
import { EXIT } from '../exitCodes.js';

/** The local Kafka, Schema Registry and MongoDB-compatible server, for machines without Docker. */
export function registerInfraCommands(program: Command): void {
  const infra = program
    .command('infra')
    .description('local infrastructure: Kafka, Apicurio Registry, FerretDB');
  infra
    .command('up')
    .description('start (downloading and building on first use) and wait until every server answers')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const started = await startLocalInfra();
      if (opts.json) printJson(started.endpoints);
      else
        process.stdout.write(
          `up: kafka ${started.endpoints.kafkaBrokers.join(',')}  registry ${started.endpoints.schemaRegistryUrl}  mongodb ${started.endpoints.mongodbUri}\n`,
        );
    });
  infra
    .command('down')
    .description('stop the local servers')
    .action(async () => {
      await stopLocalInfra();
      process.stdout.write('down\n');
    });
  infra
    .command('restart <server>')
    .description(
      `stop one server and start it again on its data (${RESTARTABLE_SERVERS.join(', ')}; the registry keeps schemas in memory)`,
    )
    .option('--kill', 'take it down with SIGKILL, as a crash would')
    .action(async (server: string, opts: { kill?: boolean }) => {
      if (!(RESTARTABLE_SERVERS as readonly string[]).includes(server)) {
        process.stderr.write(`not a restartable server: ${server} (${RESTARTABLE_SERVERS.join(', ')})\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const r = await restartLocalServer(server as RestartableServer, { kill: opts.kill ?? false });
      process.stdout.write(`${server}: pid ${r.pid}, down for ${r.downMs} ms\n`);
    });
  infra
    .command('status')
    .description('which local servers run, and where')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const status = await localInfraStatus();
      if (opts.json) printJson(status);
      else {
        process.stdout.write(`local servers: ${status.state}\n`);
        for (const [name, s] of Object.entries(status.servers ?? {}))
          process.stdout.write(
            `  ${name.padEnd(10)} ${s?.running ? (s.ready ? 'ready' : 'not answering') : 'stopped'}\n`,
          );
        if (status.endpoints)
          process.stdout.write(
            `kafka ${status.endpoints.kafkaBrokers.join(',')}  registry ${status.endpoints.schemaRegistryUrl}  mongodb ${status.endpoints.mongodbUri}\n`,
          );
      }
      // Exit 3 (no servers) unless every server runs and answers, so a script can wait on it.
      if (!status.running) process.exitCode = EXIT.noServers;
    });
}
