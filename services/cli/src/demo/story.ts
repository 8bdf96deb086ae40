import type { Db } from 'mongodb';
import type { PayloadOf } from '@self-healing/schemas';
import type { IncidentDoc, TimelineEntry } from '@self-healing/projector';
import {
  formatDiagnosis,
  formatValidation,
  stageLabel,
  type DiagnosisDoc,
  type ValidationDoc,
} from '../commands/incidents.js';

/** Where an incident's healing has got to, as its story tells it. */
export type StoryEnd =
  /**
   * Closed, `afterMs` from the incident's opening. `fixed`: healed, the learning record found the fault gone under
   * the fix; otherwise closed without a fix (`recovered`: its findings stopped on their own, `dismissed` by a person,
   * `superseded` by another incident).
   */
  | { kind: 'resolved'; resolution: Resolution; afterMs: number | null }
  /** Stopped for a person: a refusal, a failure, or a fix that did not do and no candidate is left. */
  | { kind: 'stopped'; why: string }
  | null;

type Resolution = PayloadOf<'IncidentResolved'>['resolution'];

/** Whether an end is a healing: the incident closed because a fix made its fault go away. */
export const healed = (
  end: StoryEnd | undefined,
): end is { kind: 'resolved'; resolution: 'fixed'; afterMs: number | null } =>
  end?.kind === 'resolved' && end.resolution === 'fixed';

/** A measured value, three significant digits. */
const num = (v: number | null) => (v === null ? '-' : Number(v.toPrecision(3)).toString());

const indent = (text: string, by = '        ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

/**
 * An incident's story for people, told as it happens: each new event of its timeline (from the projection) as a
 * line, and at the moments that matter the evidence, the diagnosis (commit, file, line), the patch, the validation,
 * the pull request, each canary look and the learning record. Repeated waits say something only when what they wait
 * for changes.
 */
export class IncidentStory {
  private readonly told = new Set<string>();
  private lastWait = '';
  private openedAt: number | null = null;
  /** Why learning could not judge the last fix, when it could not (no telemetry): nothing follows such an outcome. */
  private notJudged: string | null = null;
  private readonly startedAt = Date.now();
  /** When the event that gave the last end happened. */
  endedAt: number | null = null;
  /** The end the story has reached so far (see `tell`). */
  private current: StoryEnd = null;

  constructor(
    private readonly db: Db,
    private readonly say: (line: string) => void,
  ) {}

  /**
   * Tells what is new in `doc`; says whether the story has ended, and how. An end that left the incident to people
   * is taken back when a stage starts on it again: new evidence sends an incident whose diagnosis found nothing a
   * machine could try back to diagnosis.
   */
  async tell(doc: IncidentDoc): Promise<StoryEnd> {
    // Events of several topics reach the projection in their own order: told in the order they happened.
    const untold = doc.timeline
      .filter((t) => !this.told.has(t.eventId))
      .sort((a, b) => a.endedAt - b.endedAt);
    for (const t of untold) {
      const payload = doc.outputs[t.event];
      let detail: Awaited<ReturnType<typeof this.detail>>;
      try {
        detail = await this.detail(t, payload);
      } catch {
        // The database did not answer (restarting, say): this event and the rest are told on the next look.
        break;
      }
      this.told.add(t.eventId);
      if (detail === null) continue;
      if (t.event === 'IncidentOpened') this.openedAt ??= t.endedAt;
      const clock = new Date(t.endedAt).toISOString().slice(11, 19);
      this.say(
        `  ${clock}  ${stageLabel(t.stage).padEnd(17)} ${t.event}${detail.line ? `: ${detail.line}` : ''}`,
      );
      if (detail.more) this.say(indent(detail.more));
      const ending = this.endOf(t, payload);
      if (ending) {
        this.current = ending;
        this.endedAt = t.endedAt;
      } else if (this.current?.kind === 'stopped' && t.event.endsWith('Requested')) {
        this.current = null;
        this.endedAt = null;
      }
    }
    return this.current;
  }

  /** Seconds since the story began, for the closing line. */
  elapsedS(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  private since(t: TimelineEntry): number | null {
    return this.openedAt === null ? null : t.endedAt - this.openedAt;
  }

  private endOf(t: TimelineEntry, payload: unknown): StoryEnd {
    const reasons = (payload as { reasons?: Array<{ code: string; message: string }> } | null)?.reasons ?? [];
    const why = reasons.map((r) => r.message).join('; ') || t.event;
    switch (t.event) {
      case 'IncidentResolved':
        return {
          kind: 'resolved',
          resolution: (payload as PayloadOf<'IncidentResolved'> | null)?.resolution ?? 'fixed',
          afterMs: this.since(t),
        };
      case 'EffectivenessTrackingCompleted': {
        const p = payload as PayloadOf<'EffectivenessTrackingCompleted'>;
        if (p.resolvesIncident) return { kind: 'resolved', resolution: 'fixed', afterMs: this.since(t) };
        // Worse or unchanged: the loop takes the fix out and tries the next candidate. Better but not back to
        // normal: the fix stays, and people decide what else to do.
        if (p.outcome === 'improved')
          return { kind: 'stopped', why: 'the fix improved things without resolving them' };
        return this.notJudged
          ? { kind: 'stopped', why: `the fix serves, but was not judged: ${this.notJudged}` }
          : null;
      }
      case 'ValidationCompleted':
        return (payload as PayloadOf<'ValidationCompleted'>).verdict === 'inconclusive'
          ? { kind: 'stopped', why: 'the validation was inconclusive' }
          : null;
      case 'DiagnosisRejected':
      case 'FixGenerationRejected':
        return { kind: 'stopped', why };
      case 'DeploymentRejected':
        // A candidate that failed validation or CI is followed by the next one; the other refusals wait for people.
        return reasons.every((r) => r.code === 'validation-not-passed' || r.code === 'ci-not-passed')
          ? null
          : { kind: 'stopped', why };
      default:
        return t.outcome === 'failed'
          ? { kind: 'stopped', why: `${t.stage} failed at ${t.handler ?? '?'}` }
          : null;
    }
  }

  private async detail(t: TimelineEntry, payload: unknown): Promise<{ line: string; more?: string } | null> {
    switch (t.event) {
      case 'IncidentOpened': {
        const p = payload as PayloadOf<'IncidentOpened'>;
        return {
          line: `[${p.severity}] ${p.title}`,
          more: p.findings
            .slice(0, 3)
            .map((f) => `evidence: ${f.kind}/${f.rule}: ${f.explanation}`)
            .join('\n'),
        };
      }
      case 'IncidentResolved': {
        const p = payload as PayloadOf<'IncidentResolved'>;
        return {
          line: `${p.resolution} (${p.resolvedBy}): ${p.reason}`.slice(0, 220),
          ...(p.pullRequestUrl ? { more: `fixed by ${p.pullRequestUrl}` } : {}),
        };
      }
      case 'IncidentReopened': {
        const p = payload as PayloadOf<'IncidentReopened'>;
        return { line: `after it was ${p.previousResolution} (re-opened ${p.reopenCount} time(s))` };
      }
      case 'DiagnosisCompleted': {
        const p = payload as PayloadOf<'DiagnosisCompleted'>;
        const doc = await this.db
          .collection<DiagnosisDoc>('diagnoses')
          .findOne({ _id: p.diagnosisId as never });
        return { line: p.rootCause.slice(0, 160), ...(doc ? { more: formatDiagnosis(doc) } : {}) };
      }
      case 'FixGenerationRequested': {
        const p = payload as PayloadOf<'FixGenerationRequested'>;
        return {
          line:
            p.requestedBy.startsWith('stage:') && p.trigger === 'command'
              ? `the next candidate, asked by ${p.requestedBy.slice(6)}`
              : '',
        };
      }
      case 'FixGenerationCompleted': {
        const p = payload as PayloadOf<'FixGenerationCompleted'>;
        const patch = await this.db
          .collection<{ diff: string; description: string }>('patches')
          .findOne({ _id: p.patchId as never });
        const diff = (patch?.diff ?? '').split('\n');
        return {
          line: `patch ${p.patchId}: ${p.title} (+${p.linesAdded} -${p.linesRemoved} in ${p.filesChanged} file(s))`,
          more: diff.slice(0, 60).join('\n') + (diff.length > 60 ? `\n… ${diff.length - 60} more lines` : ''),
        };
      }
      case 'ValidationCompleted': {
        const p = payload as PayloadOf<'ValidationCompleted'>;
        const doc = await this.db
          .collection<ValidationDoc>('validations')
          .findOne({ _id: p.validationId as never });
        return { line: p.verdict, ...(doc ? { more: formatValidation(doc) } : {}) };
      }
      case 'PullRequestCreated': {
        const p = payload as PayloadOf<'PullRequestCreated'>;
        return { line: `#${p.number} ${p.url}  (open it in a browser)` };
      }
      case 'CIChecksConcluded': {
        const p = payload as PayloadOf<'CIChecksConcluded'>;
        return {
          line: `ci/validation ${p.conclusion} on ${p.headCommit.slice(0, 12)} in ${Math.round(p.durationMs / 1000)} s`,
        };
      }
      case 'PullRequestMerged': {
        const p = payload as PayloadOf<'PullRequestMerged'>;
        const replayed = p.replayedOnto?.length
          ? ` (replayed onto the moved-on default branch ${p.replayedOnto.length === 1 ? 'once' : `${p.replayedOnto.length} times`}, CI again on ${(p.headCommit ?? '').slice(0, 12)})`
          : '';
        return { line: `#${p.number} merged as ${p.mergeCommit.slice(0, 12)} by ${p.mergedBy}${replayed}` };
      }
      case 'DeployedToProduction': {
        const p = payload as PayloadOf<'DeployedToProduction'>;
        return { line: `${p.strategy} of ${p.version.slice(0, 12)} (${p.provider})` };
      }
      case 'DeploymentWaiting':
      case 'EffectivenessTrackingWaiting': {
        const reason = (payload as { reason: string }).reason;
        // A look at the canary every few seconds: said again only when the step or the verdict changes.
        // What it waits at and how it stands ("canary at 50 %: canary healthy"), without the counts that follow.
        const gist = reason.split(':').slice(0, 2).join(':');
        if (gist === this.lastWait) return null;
        this.lastWait = gist;
        return { line: reason.slice(0, 220) };
      }
      case 'DeploymentVerified': {
        const p = payload as PayloadOf<'DeploymentVerified'>;
        return {
          line: p.rolledBack
            ? `rolled back: ${p.rollbackReason ?? ''}`
            : p.healthy
              ? 'healthy, promoted'
              : 'unhealthy',
          more: p.checks.map((c) => `${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n'),
        };
      }
      case 'DeploymentCompleted': {
        const p = payload as PayloadOf<'DeploymentCompleted'>;
        const revert = p.revertPullRequestUrl
          ? `; reverted on the default branch by ${p.revertPullRequestUrl}`
          : '';
        const rollback = p.rollbackOf ? ` (took out the fix of ${p.rollbackOf})` : '';
        return {
          line: `${p.outcome}${rollback}${revert}${p.revertFailure ? `; revert: ${p.revertFailure}` : ''}`,
        };
      }
      case 'MetricsCompared': {
        const p = payload as PayloadOf<'MetricsCompared'>;
        return {
          line: `${p.improved} improved, ${p.unchanged} unchanged, ${p.regressed} regressed`,
          more: p.comparisons
            .map(
              (c) =>
                `${c.metric} of ${c.subject}: ${c.verdict}, ${num(c.baseline)} → ${num(c.observed)} ${c.unit.replace('_', ' ')}`,
            )
            .join('\n'),
        };
      }
      case 'EffectivenessTrackingCompleted': {
        const p = payload as PayloadOf<'EffectivenessTrackingCompleted'>;
        const record = await this.db
          .collection<{ assessment?: { confidence: number; reasons: Array<{ message: string }> } }>(
            p.document.collection,
          )
          .findOne({ _id: p.document.id as never });
        this.notJudged =
          record?.assessment?.confidence === 0
            ? record.assessment.reasons.map((r) => r.message).join('; ') || 'no confidence'
            : null;
        return {
          line: `${p.outcome} (score ${p.improvementScore.toFixed(2)}, ${p.findingsCleared} finding(s) cleared)`,
        };
      }
      default:
        if (t.outcome !== 'ok') {
          const p = payload as { reasons?: Array<{ message: string }>; error?: { message: string } };
          return { line: p.reasons?.map((r) => r.message).join('; ') ?? p.error?.message ?? t.outcome };
        }
        return { line: '' };
    }
  }
}
