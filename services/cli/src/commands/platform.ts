import type { Command } from 'commander';
import { ensureTopics, platformTopics } from '@self-healing/shared';
import { projectedTopicsOf, replayProjection } from '@self-healing/projector';
import { codecFor, endpoints, logger, topicNames, topicPrefix, withKafka, withMongo } from '../context.js';
import { printJson } from '../output.js';

/** Topics, schemas and the projection: the platform's shared state, set up and rebuilt from here. */
export function registerPlatformCommands(program: Command): void {
  program
    .command('topics')
    .description("create the catalogue's topics that do not exist yet")
    .argument('[action]', 'create', 'create')
    .option('--json', 'machine-readable output')
    .action(async (_action: string, opts: { json?: boolean }) => {
      await withKafka(async (kafka) => {
        const created = await ensureTopics(kafka, platformTopics(topicPrefix()));
        if (opts.json) printJson({ created });
        else process.stdout.write(created.length ? `created ${created.join(', ')}\n` : 'all topics exist\n');
      });
    });

  program
    .command('schemas')
    .description('register every event schema in the Schema Registry (BACKWARD compatibility)')
    .argument('[action]', 'register', 'register')
    .option('--json', 'machine-readable output')
    .action(async (_action: string, opts: { json?: boolean }) => {
      const e = await endpoints();
      const ids = await codecFor(e.schemaRegistryUrl).registerAll();
      if (opts.json) printJson(Object.fromEntries(ids));
      else process.stdout.write(`registered ${ids.size} event schemas\n`);
    });

  const projection = program.command('projection').description('the incident projection in MongoDB');
  projection
    .command('replay')
    .description('rebuild the projection from offset zero into a new collection, then switch reads to it')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withKafka(async (kafka, e) =>
        withMongo(async (db) => {
          const result = await replayProjection({
            kafka,
            db,
            codec: codecFor(e.schemaRegistryUrl),
            logger,
            topics: projectedTopics(),
          });
          if (opts.json) printJson(result);
          else
            process.stdout.write(
              `replayed ${result.events} events into ${result.collection} (${result.incidents} incidents); dropped ${result.dropped}\n`,
            );
        }),
      );
    });
}

/** The topics the projection is built from, under the configured prefix. */
export function projectedTopics(): string[] {
  return projectedTopicsOf(topicNames());
}
