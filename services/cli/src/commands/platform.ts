import type { Command } from 'commander';
import { ensureTopics, platformTopics } from '@self-healing/shared';
import { ProjectionCatalog, projectedTopicsOf, replayProjection } from '@self-healing/projector';
import { codecFor, endpoints, logger, topicNames, topicPrefix, withKafka, withMongo } from '../context.js';
import { printJson, progress } from '../output.js';

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
      const bar = progress('registering schemas');
      const ids = await codecFor(e.schemaRegistryUrl).registerAll((done, total) =>
        bar.update(`${done}/${total}`),
      );
      bar.done(`${ids.size} schemas`);
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
          // Progress from the outside: the replay writes into the next version's collection, which is counted
          // every second while it runs (on stderr; stdout keeps the result).
          const next = `incidents_v${(await new ProjectionCatalog(db).current()).version + 1}`;
          const bar = progress('replaying the projection');
          const ticker = setInterval(() => {
            void db
              .collection(next)
              .countDocuments()
              .then((n) => bar.update(`${n} incidents rebuilt in ${next}`))
              .catch(() => undefined);
          }, 1000);
          let result;
          try {
            result = await replayProjection({
              kafka,
              db,
              codec: codecFor(e.schemaRegistryUrl),
              logger,
              topics: projectedTopics(),
            });
          } finally {
            clearInterval(ticker);
          }
          bar.done(`${result.events} events, ${result.incidents} incidents`);
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
