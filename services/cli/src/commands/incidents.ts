import type { Command } from 'commander';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import { withMongo } from '../context.js';
import { CliError, formatTime, printJson, printTable } from '../output.js';

export function registerIncidentCommands(program: Command): void {
  const incidents = program.command('incidents').description('read the incident projection');

  incidents
    .command('list')
    .description('list incidents, newest first')
    .option('--stage <stage>', 'only incidents whose latest stage is this one (e.g. anomaly.detect)')
    .option('--status <status>', 'running | completed | rejected | failed | open | resolved')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
    .option('--json', 'machine-readable output')
    .action(async (opts: { stage?: string; status?: string; limit: number; json?: boolean }) => {
      await withMongo(async (db) => {
        const collection = await new ProjectionCatalog(db).collection();
        const filter: Record<string, unknown> = {};
        if (opts.stage) filter.stage = opts.stage;
        if (opts.status) filter.status = opts.status;
        const docs = await collection.find(filter).sort({ updatedAt: -1 }).limit(opts.limit).toArray();
        if (opts.json) return printJson(docs);
        printTable(
          docs.map((d) => ({
            id: d._id,
            stage: d.stage,
            status: d.status,
            beats: d.timeline.length,
            updated: formatTime(d.updatedAt),
            summary: summaryOf(d),
          })),
          ['id', 'stage', 'status', 'beats', 'updated', 'summary'],
        );
      });
    });

  incidents
    .command('show <id>')
    .description("one incident's timeline and key outputs")
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withMongo(async (db) => {
        const doc = await (await new ProjectionCatalog(db).collection()).findOne({ _id: id });
        if (!doc) throw new CliError(`no incident ${id} in the projection (is the projector running?)`, 2);
        if (opts.json) return printJson(doc);
        process.stdout.write(
          `incident ${doc._id}  stage ${doc.stage}  status ${doc.status}  correlation ${doc.correlationId}\n\n`,
        );
        printTable(
          doc.timeline.map((t) => ({
            seq: t.seq,
            stage: t.stage,
            beat: t.beat,
            handler: t.handler,
            event: t.event,
            started: formatTime(t.startedAt),
            ms: t.durationMs,
            outcome: t.outcome,
          })),
          ['seq', 'stage', 'beat', 'handler', 'event', 'started', 'ms', 'outcome'],
        );
        process.stdout.write(`\nkey outputs:\n${JSON.stringify(doc.outputs, null, 2)}\n`);
      });
    });
}

/** The line a person wants in a list: what was found, not how. */
export function summaryOf(doc: IncidentDoc): string {
  const opened = (doc.outputs.IncidentOpened ?? doc.outputs.IncidentReopened) as
    { severity?: string; title?: string; findings?: unknown[] } | undefined;
  if (opened)
    return [opened.severity, opened.title ?? `${opened.findings?.length ?? 0} findings`]
      .filter(Boolean)
      .join(' ');
  const last = doc.timeline.at(-1);
  return last ? `${last.event}` : '';
}
