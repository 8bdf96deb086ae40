import type { Collection, Db } from 'mongodb';
import type { Kafka } from 'kafkajs';
import type { Finding, HandlerName, PayloadOf, TemplatedEvent } from '@self-healing/schemas';
import { RunMemo, type Beat, type TopicNames } from '@self-healing/shared';
import type { Catalogue, ServiceEntry } from '@self-healing/shared/catalogue';
import { TelemetryReadModel } from '@self-healing/telemetry-parse';
import {
  RepoCache,
  remoteFor,
  type ForgeAccess,
  type GitRepo,
  type RemoteAccess,
} from '../repository/repoCache.js';
import type { DiagnosedIssue } from '../diagnose/remedies.js';
import { REMEDY_KINDS, rateKey, signatureOfIssue, type StrategyRecord } from '../diagnose/learnedRates.js';
import type { ChangeWindow, CodeModel } from '../diagnose/types.js';
import type { Impact } from '../diagnose/impact.js';
import { buildCodeModel, type LoadedCode } from './codeModel.js';
import { loadWindow } from './window.js';

export interface DiagnosisSettings {
  catalogue: Catalogue | null;
  repoCacheDir: string;
  forge: ForgeAccess | null;
  environment: string | null;
  onsetGraceMs: number;
  historyCommits: number;
}

/** Where the code of a diagnosis comes from; fixed by the load beat so every later beat reads the same commit. */
export interface Codebase {
  service: string;
  url: string;
  branch: string;
  /** The commit serving traffic when the symptom began. */
  bad: string;
  /** The commit that served before it, without the symptom; null when no deployment says. */
  good: string | null;
  deploymentId: string | null;
  /** How `bad` was chosen: from a deployment record, or the branch head when none is known. */
  source: 'deployment' | 'branch-head';
}

/**
 * The case file of one diagnosis run, in MongoDB (`diagnosis_cases`, keyed by run): what the first beat accepted
 * (written once, insert-to-win, so a redelivered trigger or a re-run beat sees the same findings) and what each
 * later beat concluded. One run is advanced by one runner at a time, so the later `$set`s have one writer.
 */
export interface CaseFile {
  _id: string;
  incidentId: string;
  diagnosisId: string;
  incidentVersion: number;
  severity: PayloadOf<'IncidentOpened'>['severity'];
  services: string[];
  timeRange: { from: number; until: number };
  parseRunIds: string[];
  findings: Finding[];
  codebase?: Codebase;
  issues?: Partial<Record<Finding['kind'], DiagnosedIssue | null>>;
  impact?: Impact;
  /** Remedy kind by recommendation id (fix.generate chooses its strategies by it). */
  remedyKinds?: Record<string, string>;
}

export type DiagnoseBeat<H extends HandlerName<'diagnosis.analyze'>> = Beat<
  'diagnosis.analyze',
  H,
  DiagnosisDeps
>;

interface Work {
  code: LoadedCode;
  window: ChangeWindow;
  events: TemplatedEvent[];
  around: TemplatedEvent[];
}

export class DiagnosisDeps {
  readonly cases: Collection<CaseFile>;
  readonly telemetry: TelemetryReadModel;
  readonly repos: RepoCache;
  private readonly memo = new RunMemo<Work>(4);

  constructor(
    readonly db: Db,
    readonly kafka: Kafka,
    readonly decodeRecord: (value: Buffer) => Promise<unknown>,
    readonly settings: DiagnosisSettings,
    readonly topics: TopicNames,
  ) {
    this.cases = db.collection<CaseFile>('diagnosis_cases');
    this.telemetry = new TelemetryReadModel(db);
    this.repos = new RepoCache(settings.repoCacheDir);
  }

  async caseOf(runId: string): Promise<CaseFile> {
    const c = await this.cases.findOne({ _id: runId });
    if (!c) throw new Error(`no case file for diagnosis run ${runId}`);
    return c;
  }

  /** The first service of the incident that the catalogue knows. */
  serviceEntry(services: readonly string[]): { name: string; entry: ServiceEntry } | null {
    for (const name of services) {
      const entry = this.settings.catalogue?.services[name];
      if (entry) return { name, entry };
    }
    return null;
  }

  remoteOf(url: string): RemoteAccess {
    return remoteFor(url, this.settings.forge);
  }

  async repo(codebase: Codebase): Promise<GitRepo> {
    return this.repos.open(this.remoteOf(codebase.url), codebase.bad);
  }

  /** The code model at the case's commit; built once per run and process, rebuilt the same after a restart. */
  async code(runId: string, c: CaseFile): Promise<LoadedCode> {
    const had = this.memo.get(runId, 'code');
    if (had) return had;
    if (!c.codebase) throw new Error(`diagnosis run ${runId} has no codebase yet`);
    const repo = await this.repo(c.codebase);
    const entry = this.settings.catalogue?.services[c.codebase.service];
    const code = await buildCodeModel(repo, c.codebase.bad, entry ?? null);
    this.memo.set(runId, 'code', code);
    return code;
  }

  async window(runId: string, c: CaseFile): Promise<ChangeWindow> {
    const had = this.memo.get(runId, 'window');
    if (had) return had;
    if (!c.codebase) throw new Error(`diagnosis run ${runId} has no codebase yet`);
    const w = await loadWindow(await this.repo(c.codebase), c.codebase, this.settings.historyCommits);
    this.memo.set(runId, 'window', w);
    return w;
  }

  /** The incident's own log events: its parse runs, its services, from a little before its onset. */
  async events(runId: string, c: CaseFile): Promise<TemplatedEvent[]> {
    // A reopened incident or one named by a command carries no parse runs: those that read its stretch of logs.
    if (c.parseRunIds.length === 0) return this.eventsAround(runId, c);
    return this.eventsOf(runId, 'events', c, async () => c.parseRunIds);
  }

  /**
   * Every parse run's events of the incident's services from ten minutes before it began: what a slowed request's
   * steps took before the onset and after it (locate.ts, innerStep.ts). The incident's own runs start at its onset.
   */
  async eventsAround(runId: string, c: CaseFile): Promise<TemplatedEvent[]> {
    return this.eventsOf(runId, 'around', c, (from, until) =>
      this.telemetry.runsCovering(c.services, from, until),
    );
  }

  /** The services' detection events from ten minutes before the incident to a minute after, of the runs given. */
  private async eventsOf(
    runId: string,
    key: 'events' | 'around',
    c: CaseFile,
    runsOf: (from: number, until: number) => Promise<string[]>,
  ): Promise<TemplatedEvent[]> {
    const had = this.memo.get(runId, key);
    if (had) return had;
    const timeRange = { from: c.timeRange.from - 10 * 60_000, until: c.timeRange.until + 60_000 };
    const parseRunIds = await runsOf(timeRange.from, timeRange.until);
    const events = await this.telemetry.detectionEventsOf({ parseRunIds, services: c.services, timeRange });
    this.memo.set(runId, key, events);
    return events;
  }

  /**
   * Measured outcomes per remedy kind and fault signature level (learning.track writes `learning_strategy_rates`,
   * keyed by `rateKey`); empty until then. Given issues, only the documents their ranking reads (kinds alone and
   * kinds on the issues' signature keys); else all of them.
   */
  async learnedRates(issues?: readonly DiagnosedIssue[]): Promise<Map<string, StrategyRecord>> {
    const filter = issues
      ? {
          _id: {
            $in: REMEDY_KINDS.flatMap((kind) => [
              rateKey(kind),
              ...[...new Set(issues.flatMap(signatureOfIssue))].map((key) => rateKey(kind, key)),
            ]),
          },
        }
      : {};
    const docs = await this.db
      .collection<{ _id: string; attempts: unknown; successes: unknown }>('learning_strategy_rates')
      .find(filter, { projection: { attempts: 1, successes: 1 } })
      .toArray();
    // Numbers only: rateFor clamps them to whole, non-negative counts with successes <= attempts.
    return new Map(
      docs
        .filter((d) => typeof d.attempts === 'number' && typeof d.successes === 'number')
        .map((d) => [String(d._id), { attempts: d.attempts as number, successes: d.successes as number }]),
    );
  }

  forget(runId: string): void {
    this.memo.drop(runId);
  }
}

export type { CodeModel };
