import type { Command } from 'commander';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import { pipeline } from '@self-healing/schemas';
import { topicNames, withMongo } from '../context.js';
import { CliError, formatTime, printJson, printTable } from '../output.js';
import { integerIn, oneOf } from '../options.js';

const STATUSES = ['running', 'completed', 'rejected', 'failed', 'open', 'resolved'] as const;
const STAGES = pipeline.map((p) => p.sequenceId as string);

export function registerIncidentCommands(program: Command): void {
  const incidents = program.command('incidents').description('read the incident projection');

  incidents
    .command('list')
    .description('list incidents, newest first')
    .option(
      '--stage <stage>',
      `only incidents whose latest stage is this one: ${STAGES.join(' | ')}`,
      oneOf(STAGES),
    )
    .option('--status <status>', STATUSES.join(' | '), oneOf(STATUSES))
    .option('--limit <n>', 'at most this many (1..10000)', integerIn(1, 10_000), 50)
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
            stage: stageOf(d, topicNames().incidents),
            status: d.status,
            beats: d.timeline.length,
            processed: formatTime(processedAt(d)),
            summary: summaryOf(d),
          })),
          ['id', 'stage', 'status', 'beats', 'processed', 'summary'],
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

/**
 * The stage a person reads: the sequence the incident is in. Lifecycle events outside any sequence (incident
 * opened, resolved) are recorded under their topic's name; they show as `incident`.
 */
export function stageOf(doc: Pick<IncidentDoc, 'stage' | 'timeline'>, incidentsTopic: string): string {
  if (STAGES.includes(doc.stage)) return doc.stage;
  const inSequence = [...doc.timeline].reverse().find((t) => STAGES.includes(t.stage));
  if (inSequence) return inSequence.stage;
  return doc.stage === incidentsTopic ? 'incident' : doc.stage;
}

/**
 * When the platform last worked on it (wall-clock), from the beats' own times. The document's `updatedAt` is the
 * latest event time, which for detections is the time in the logs: a different clock, not shown in one column.
 */
export function processedAt(doc: Pick<IncidentDoc, 'timeline'>): number | null {
  let latest: number | null = null;
  for (const t of doc.timeline)
    if (t.startedAt !== null && t.endedAt !== null && (latest === null || t.endedAt > latest))
      latest = t.endedAt;
  return latest;
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
