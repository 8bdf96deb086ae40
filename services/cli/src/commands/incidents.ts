import type { Command } from 'commander';
import { ProjectionCatalog, type IncidentDoc } from '@self-healing/projector';
import { pipeline, type PayloadOf } from '@self-healing/schemas';
import type { EffectivenessDocument } from '@self-healing/learning';
import { topicNames, withMongo } from '../context.js';
import { CliError, formatTime, printJson, printTable } from '../output.js';
import { integerIn, oneOf } from '../options.js';
import { approvalWaitOf, deploymentRunOf } from './approve.js';

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
            stage: stageLabel(t.stage),
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
        // Every candidate fix of the incident, in the order they were made: the next ones say why the last did not do.
        const patches = await db
          .collection<{
            patchId: string;
            title: string;
            baseCommit: string;
            diff: string;
            description: string;
          }>('patches')
          .find({ incidentId: id })
          .limit(10)
          .toArray();
        const attempts = await db
          .collection<{ attempt?: number; patch?: { patchId: string } }>('fix_cases')
          .find({ incidentId: id, patch: { $exists: true } }, { projection: { attempt: 1, patch: 1 } })
          .toArray();
        const attemptOf = new Map(attempts.map((a) => [a.patch!.patchId, a.attempt ?? 1]));
        patches.sort((a, b) => (attemptOf.get(a.patchId) ?? 0) - (attemptOf.get(b.patchId) ?? 0));
        for (const patch of patches)
          process.stdout.write(
            `\npatch ${patch.patchId} on ${patch.baseCommit.slice(0, 12)}: ${patch.title}\n\n${patch.description}\n\n${patch.diff}`,
          );
        const validations = await db
          .collection<ValidationDoc>('validations')
          .find({ incidentId: id })
          .limit(5)
          .toArray();
        for (const v of validations) process.stdout.write(`\n${formatValidation(v)}`);
        const deployment = formatDeployment(doc);
        if (deployment) process.stdout.write(`\n${deployment}`);
        // The stored record has what the event leaves out: each series during the incident, back to baseline or not.
        const record = await db
          .collection<LearningRecord & { _id: string }>('learning_effectiveness')
          .find({ incidentId: id })
          .sort({ at: -1 })
          .limit(1)
          .next();
        const learning = formatLearning(doc, record);
        if (learning) process.stdout.write(`\n${learning}`);
      });
    });
}

/** A timeline entry's stage as a person reads it: lifecycle events (under the incidents topic's name) as `incident`. */
export function stageLabel(stage: string): string {
  return stage.endsWith('selfhealing.incidents') ? 'incident' : stage;
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

/**
 * The deployment part of an incident's story (deployment.deploy's latest run, as the projection keeps its
 * payloads): approval, branch and commit, pull request, CI, merge, rollout, verification, outcome; and, while it
 * waits for a person, the commands that answer. Empty when deployment.deploy never took the incident.
 */
export function formatDeployment(doc: Pick<IncidentDoc, '_id' | 'timeline' | 'outputs'>): string {
  const run = deploymentRunOf(doc);
  if (!run?.DeploymentRequested) {
    const refused = doc.outputs.DeploymentRejected as PayloadOf<'DeploymentRejected'> | undefined;
    return refused ? `deployment refused:\n${reasonLines(refused.reasons, '  ').join('\n')}\n` : '';
  }
  const r = run.DeploymentRequested;
  const out = [
    `deployment ${r.deploymentId} of patch ${r.patchId} (validation ${r.validationId}) to ${r.environment}, ${r.strategy}; asked by ${r.requestedBy} (${r.trigger.replace('_', ' ')})`,
  ];
  const loaded = run.ValidationResultsLoaded;
  if (loaded)
    out.push(
      `  validation: ${loaded.verdict}, ${loaded.checksPassed} checks passed, ${loaded.checksFailed} failed` +
        `${loaded.headCommit ? `, commit ${short(loaded.headCommit)}` : ''}`,
    );
  const approval = run.ApprovalChecked;
  if (approval) {
    const who = approval.mode === 'person' ? `by ${approval.approver ?? 'a person'}` : 'by the policy';
    out.push(
      `  approval: ${approval.status}${approval.status === 'pending' ? '' : ` ${who}`} (${approval.mode}, policy ${approval.policy})`,
      ...reasonLines(approval.reasons, '    '),
    );
  }
  const branch = run.BranchCreated;
  if (branch)
    out.push(
      `  branch: ${branch.branch} from ${short(branch.baseCommit)} in ${branch.repository}${branch.existed ? ' (already there)' : ''}`,
    );
  const changes = run.ChangesApplied;
  if (changes)
    out.push(
      `  commit: ${short(changes.commit)} on ${changes.branch}, ${changes.filesChanged} file(s) changed`,
    );
  const pr = run.PullRequestCreated;
  if (pr)
    out.push(
      `  pull request: #${pr.number} ${pr.url} "${pr.title}" (${pr.provider}${pr.existed ? ', already open' : ''})`,
    );
  const ci = run.CIChecksConcluded;
  if (ci) {
    out.push(`  CI: ${ci.conclusion} on ${short(ci.headCommit)} in ${seconds(ci.durationMs)}`);
    for (const c of ci.checks)
      out.push(
        typeof c === 'string'
          ? `    ${c}`
          : `    ${c.name.padEnd(20)} ${c.conclusion.padEnd(9)} ${c.durationMs === null ? '-' : seconds(c.durationMs)}${c.url ? `  ${c.url}` : ''}`,
      );
  }
  const merged = run.PullRequestMerged;
  if (merged)
    out.push(
      `  merge: #${merged.number} as ${short(merged.mergeCommit)} (${merged.method}), ` +
        `${merged.automatic ? `by the platform as ${merged.mergedBy}` : `by ${merged.mergedBy}`}` +
        (merged.replayedOnto?.length
          ? `, after replaying the fix onto ${merged.replayedOnto.map(short).join(', then ')} (the default branch moved on; CI ran again on ${short(merged.headCommit ?? '')})`
          : ''),
    );
  const rollout = run.DeployedToProduction;
  if (rollout)
    out.push(
      `  rollout: ${rollout.version} to ${rollout.environment} (${rollout.strategy}, ${rollout.provider}) ` +
        `${formatTime(rollout.startedAt)} to ${formatTime(rollout.finishedAt)} (${seconds(rollout.finishedAt - rollout.startedAt)})` +
        `${rollout.url ? `  ${rollout.url}` : ''}`,
    );
  const verified = run.DeploymentVerified;
  if (verified) {
    out.push(
      `  verification: ${verified.healthy ? 'healthy' : 'UNHEALTHY'} over ${seconds(verified.observedForMs)}` +
        `${verified.rolledBack ? `; ROLLED BACK: ${verified.rollbackReason ?? 'no reason given'}` : ''}`,
    );
    for (const c of verified.checks)
      out.push(
        typeof c === 'string'
          ? `    ${c}`
          : `    ${(c.passed ? 'ok' : 'FAILED').padEnd(6)} ${c.name.padEnd(16)} observed ${num(c.observed)}, threshold ${num(c.threshold)}  ${c.detail}`,
      );
  }
  const done = run.DeploymentCompleted;
  if (done)
    out.push(
      `  outcome: ${done.outcome.replace('_', ' ')} in ${done.environment} at ${formatTime(done.deployedAt)}, merge commit ${short(done.mergeCommit)}` +
        `${done.pullRequestUrl ? `, ${done.pullRequestUrl}` : ''}`,
    );
  if (run.lastEvent === 'DeploymentRejected' && run.DeploymentRejected)
    out.push('  refused:', ...reasonLines(run.DeploymentRejected.reasons, '    '));
  const failed = run.DeploymentFailed;
  if (run.lastEvent === 'DeploymentFailed' && failed)
    out.push(
      `  FAILED at beat ${failed.beat} ${failed.handler} after ${failed.attempts} attempt(s): [${failed.error.code}] ${failed.error.message}`,
    );
  const wait = approvalWaitOf(doc);
  if (wait.waiting)
    out.push(
      `  WAITING for a person's approval${wait.reason ? `: ${wait.reason}` : ''}`,
      ...(wait.until === null ? [] : [`    (the run looks again at ${formatTime(wait.until)})`]),
      `    approve: healctl approve ${doc._id} --patch ${wait.patchId}`,
      `    reject:  healctl reject ${doc._id} --reason "<why>"`,
    );
  else if (run.lastEvent === 'DeploymentWaiting' && run.DeploymentWaiting)
    out.push(`  waiting until ${formatTime(run.DeploymentWaiting.until)}: ${run.DeploymentWaiting.reason}`);
  return `${out.join('\n')}\n`;
}

const LEARNING = 'learning.track';

/** The events of a learning.track run `incidents show` reads (`doc.outputs.<type>`). */
const LEARNING_EVENTS = [
  'EffectivenessTrackingRequested',
  'DeploymentInfoLoaded',
  'MetricsCompared',
  'ImprovementCalculated',
  'SuccessAssessed',
  'LearningModelsUpdated',
  'InsightsGenerated',
  'EffectivenessTrackingCompleted',
  'EffectivenessTrackingRejected',
  'EffectivenessTrackingFailed',
  'EffectivenessTrackingWaiting',
] as const;
type LearningRun = { readonly [K in (typeof LEARNING_EVENTS)[number]]?: PayloadOf<K> } & {
  readonly lastEvent: string;
};

/** What `incidents show` reads of the effectiveness record (services/learning, `learning_effectiveness`). */
export type LearningRecord = Pick<EffectivenessDocument, 'comparisons' | 'summary'>;

/**
 * The incident's latest learning.track run, from its EffectivenessTrackingRequested on (like deploymentRunOf: an
 * output of an earlier run must not pass for this one's); a refusal before any request is a run of its own.
 */
function learningRunOf(doc: Pick<IncidentDoc, 'timeline' | 'outputs'>): LearningRun | null {
  const entries = doc.timeline.filter((t) => t.stage === LEARNING);
  if (entries.length === 0) return null;
  const run = entries.slice(
    Math.max(
      0,
      entries.findLastIndex((t) => t.event === 'EffectivenessTrackingRequested'),
    ),
  );
  const seen = new Set(run.map((t) => t.event));
  const out: Record<string, unknown> = { lastEvent: run.at(-1)!.event };
  for (const type of LEARNING_EVENTS)
    if (seen.has(type) && doc.outputs[type] !== undefined) out[type] = doc.outputs[type];
  return out as LearningRun;
}

/**
 * The learning part of an incident's story (learning.track's latest run): what the fix achieved and why, each
 * finding's series before the incident, during it and after the fix, whether a rollback is recommended, the models
 * the outcome moved and the lessons drawn. The comparisons come from the effectiveness record when there is one (it
 * keeps the series during the incident and whether each is back to its baseline; the event only before and after).
 * Empty when learning.track never took the incident.
 */
export function formatLearning(
  doc: Pick<IncidentDoc, 'timeline' | 'outputs'>,
  record: LearningRecord | null = null,
): string {
  const run = learningRunOf(doc);
  if (!run) return '';
  const requested = run.EffectivenessTrackingRequested;
  const loaded = run.DeploymentInfoLoaded;
  const out = [
    requested
      ? `learning: deployment ${requested.deploymentId}${loaded ? ` of patch ${loaded.patchId}` : ''}, observed for ${minutes(requested.observeForMs)} (asked by ${requested.requestedBy})`
      : 'learning:',
  ];
  const assessed = run.SuccessAssessed;
  const improvement = run.ImprovementCalculated;
  if (assessed || improvement)
    out.push(
      `  outcome: ${assessed ? `${assessed.outcome.replace('_', ' ').toUpperCase()} (confidence ${assessed.confidence.toFixed(2)})` : 'not judged yet'}` +
        (improvement
          ? `, score ${improvement.improvementScore.toFixed(2)}, ${improvement.findingsCleared} finding(s) cleared, ` +
            `${improvement.findingsRemaining} remaining, ${improvement.newFindings} new`
          : ''),
    );
  const comparisons = record?.comparisons.length
    ? record.comparisons.map(
        (c) =>
          `    ${c.metric} of ${c.subject} (${c.service}): ${num(c.baseline)} → ${num(c.during)} → ${num(c.observed)} ${c.unit}, ` +
          `${c.verdict}, ${c.backToBaseline ? 'back to baseline' : 'NOT back to baseline'}${c.reason ? `  (${c.reason})` : ''}`,
      )
    : (run.MetricsCompared?.comparisons ?? []).map((c) =>
        typeof c === 'string'
          ? `    ${c}`
          : `    ${c.metric} of ${c.subject} (${c.service}): ${num(c.baseline)} → ? → ${num(c.observed)} ${c.unit}, ${c.verdict}`,
      );
  if (comparisons.length) out.push('  series (baseline → during → after):', ...comparisons);
  if (assessed) {
    if (assessed.reasons.length) out.push('  why:', ...reasonLines(assessed.reasons, '    '));
    out.push(`  rollback recommended: ${assessed.rollbackRecommended ? 'YES' : 'no'}`);
  }
  const models = run.LearningModelsUpdated;
  if (models)
    out.push(
      models.updates.length
        ? '  models updated:'
        : '  models updated: none (a remedy kind the ranking does not use)',
      ...models.updates.map((u) =>
        typeof u === 'string' ? `    ${u}` : `    ${u.model} v${u.version}, ${u.samples} sample(s)`,
      ),
    );
  const insights = run.InsightsGenerated;
  if (insights?.insights.length)
    out.push(
      '  insights:',
      ...insights.insights.map((i) =>
        typeof i === 'string'
          ? `    ${i}`
          : `    - ${i.summary}  (${i.kind}, confidence ${i.confidence.toFixed(2)})`,
      ),
    );
  if (record?.summary) out.push(`  summary: ${record.summary}`);
  if (run.lastEvent === 'EffectivenessTrackingWaiting' && run.EffectivenessTrackingWaiting)
    out.push(
      `  observing until ${formatTime(run.EffectivenessTrackingWaiting.until)}: ${run.EffectivenessTrackingWaiting.reason}`,
    );
  if (run.lastEvent === 'EffectivenessTrackingRejected' && run.EffectivenessTrackingRejected)
    out.push('  refused:', ...reasonLines(run.EffectivenessTrackingRejected.reasons, '    '));
  const failed = run.EffectivenessTrackingFailed;
  if (run.lastEvent === 'EffectivenessTrackingFailed' && failed)
    out.push(
      `  FAILED at beat ${failed.beat} ${failed.handler} after ${failed.attempts} attempt(s): [${failed.error.code}] ${failed.error.message}`,
    );
  return `${out.join('\n')}\n`;
}

function minutes(ms: number): string {
  return ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;
}

/** Reasons as the projection keeps them (a long list ends with a "… N more" string). */
function reasonLines(
  reasons: ReadonlyArray<{ code: string; message: string } | string>,
  indent: string,
): string[] {
  return reasons.map((r) =>
    typeof r === 'string' ? `${indent}${r}` : `${indent}- [${r.code}] ${r.message}`,
  );
}

function short(commit: string): string {
  return commit.slice(0, 12);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A measured value: four significant digits are plenty to compare with a threshold; '-' when not reported. */
function num(value: number | null): string {
  return value === null ? '-' : String(Number(value.toPrecision(4)));
}
