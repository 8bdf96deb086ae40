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
        const diagnosis = await db
          .collection<DiagnosisDoc>('diagnoses')
          .find({ incidentId: id })
          .sort({ incidentVersion: -1 })
          .limit(1)
          .next();
        if (diagnosis) process.stdout.write(`\n${formatDiagnosis(diagnosis)}`);
        const patch = await db
          .collection<{
            patchId: string;
            title: string;
            baseCommit: string;
            diff: string;
            description: string;
          }>('patches')
          .find({ incidentId: id })
          .limit(1)
          .next();
        if (patch)
          process.stdout.write(
            `\npatch ${patch.patchId} on ${patch.baseCommit.slice(0, 12)}: ${patch.title}\n\n${patch.description}\n\n${patch.diff}`,
          );
        const validations = await db
          .collection<ValidationDoc>('validations')
          .find({ incidentId: id })
          .limit(5)
          .toArray();
        for (const v of validations) process.stdout.write(`\n${formatValidation(v)}`);
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

/** The parts of a stored diagnosis (services/diagnosis, `diagnoses`) that `incidents show` prints. */
export interface DiagnosisDoc {
  diagnosisId: string;
  incidentVersion: number;
  codebase?: { url: string; bad: string; good: string | null; source: string };
  issues: Array<{
    kind: string;
    title: string;
    hypothesis: string;
    confidence: number;
    lines: Array<{ path: string; line: number; score: number; why: string }>;
    suspects: Array<{ sha: string; subject: string; author: string; score: number; why: string }>;
  }>;
  unexplainedFindingIds: string[];
  recommendations: Array<{
    rank: number;
    strategy: string;
    summary: string;
    confidence: number;
    automatable: boolean;
    rationale: string;
  }>;
}

/** What `incidents show` reads of a stored validation (services/validation, beat storeValidationResults). */
export interface ValidationDoc {
  validationId: string;
  patchId: string;
  headCommit: string | null;
  verdict: string;
  checks: Array<{ check: string; verdict: string; summary: string }>;
  reasons: Array<{ code: string; message: string }>;
  tests: {
    steps: Array<{
      step: string;
      exitCode: number | null;
      killedFor: string | null;
      durationMs: number;
      sandbox?: string;
    }>;
    broken: string[];
    flaky: string[];
    regression: { verdict: string; reason: string };
  } | null;
  coverage: { uncovered: Array<{ file: string; lines: number[] }> } | null;
}

/** A validation for people: the verdict, each check's one line, why it is not passed, and what ran in the sandbox. */
export function formatValidation(v: ValidationDoc): string {
  const out = [
    `validation ${v.validationId} of ${v.patchId}${v.headCommit ? ` (commit ${v.headCommit.slice(0, 12)})` : ''}: ${v.verdict.toUpperCase()}`,
  ];
  for (const c of v.checks) out.push(`  ${c.check.padEnd(13)} ${c.verdict.padEnd(12)} ${c.summary}`);
  if (v.reasons.length) out.push('  why:', ...v.reasons.map((r) => `    - [${r.code}] ${r.message}`));
  if (v.tests) {
    out.push(`  regression test: ${v.tests.regression.verdict} (${v.tests.regression.reason})`);
    if (v.tests.broken.length) out.push(`  broken by the patch: ${v.tests.broken.slice(0, 10).join('; ')}`);
    if (v.tests.flaky.length) out.push(`  flaky (not counted): ${v.tests.flaky.slice(0, 10).join('; ')}`);
    out.push('  sandbox steps:');
    for (const s of v.tests.steps)
      out.push(
        `    ${s.step.padEnd(24)} ${s.killedFor ? `killed (${s.killedFor})` : `exit ${s.exitCode}`} in ${s.durationMs} ms`,
      );
    const held = v.tests.steps.find((s) => s.sandbox)?.sandbox;
    if (held) out.push(`  sandbox: ${held}`);
  }
  for (const u of v.coverage?.uncovered.slice(0, 10) ?? [])
    out.push(`  changed, run by no test: ${u.file}:${u.lines.join(',')}`);
  return `${out.join('\n')}\n`;
}

/** A diagnosis for people: each issue with its evidence lines and suspect commits, then the ranked remedies. */
export function formatDiagnosis(d: DiagnosisDoc): string {
  const out: string[] = [`diagnosis ${d.diagnosisId}`];
  if (d.codebase)
    out.push(
      `  code: ${d.codebase.url} at ${d.codebase.bad.slice(0, 12)} (${d.codebase.source}` +
        `${d.codebase.good ? `; last good ${d.codebase.good.slice(0, 12)}` : ''})`,
    );
  if (d.issues.length === 0) out.push('  no cause found');
  for (const issue of d.issues) {
    out.push(
      '',
      `  [${issue.kind}] ${issue.title}  (confidence ${issue.confidence.toFixed(2)})`,
      `    ${issue.hypothesis}`,
    );
    for (const l of issue.lines.slice(0, 5)) out.push(`    at ${l.path}:${l.line}  ${l.why}`);
    for (const s of issue.suspects.slice(0, 3))
      out.push(
        `    suspect ${s.sha.slice(0, 12)} "${s.subject}" by ${s.author} (${s.score.toFixed(2)}): ${s.why}`,
      );
  }
  if (d.unexplainedFindingIds.length)
    out.push('', `  unexplained findings: ${d.unexplainedFindingIds.join(', ')}`);
  out.push('', '  remedies:');
  for (const r of d.recommendations.slice(0, 6))
    out.push(
      `    ${r.rank}. ${r.summary}  [${r.strategy}, confidence ${r.confidence.toFixed(2)}${r.automatable ? ', automatable' : ''}]`,
    );
  return `${out.join('\n')}\n`;
}
