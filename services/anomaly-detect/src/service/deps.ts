import { MemoryClaims } from './memoryClaim.js';
import type { Db } from 'mongodb';
import type {
  Finding,
  FindingKind,
  HandlerName,
  PayloadOf,
  TemplatedEvent,
  WindowAggregate,
} from '@self-healing/schemas';
import {
  ChunkStore,
  RunMemo,
  RunScopedState,
  maxOf,
  minOf,
  type Beat,
  type StageEvent,
  type TopicNames,
} from '@self-healing/shared';
import { TelemetryReadModel } from '@self-healing/telemetry-parse';
import type { PerformanceMonitorState, SeriesDetectorOptions } from '../performance/index.js';
import type { BehavioralSnapshot, LearnedModelSnapshot } from '../behavioral/index.js';
import type { ChangedOutcomeSnapshot, ValueNoveltySnapshot } from '../values/index.js';
import type { ErrorBurstSnapshot, ErrorPatternSnapshot } from '../errors/index.js';
import { emptyIncidentReducerState, type IncidentReducerState } from '../incidents/index.js';
import { completeWindows, mergeContributions } from './windows.js';
import { freshRuns, type SeenUntil } from './examined.js';

/** How far before a detection run's own parse run it looks for parse runs no detection run has examined. */
export const UNEXAMINED_HORIZON_MS = 10 * 60_000;

export interface AnomalyDetectSettings {
  /** lcov (`.info`) or Istanbul JSON report of the watched codebase; without it coverage gaps are skipped. */
  coverageReport: string | null;
  /** JSON list of declared handlers/routes (`DeclaredEntry[]`) that production is expected to reach. */
  declaredEntries: string | null;
  /** JSON list of expected sequences (`ExpectedSequence[]`); without it behaviour is learned from traffic. */
  declaredSequences: string | null;
  detectorVersion: string;
  /** Options of each series' detector (time scales, thresholds); see SeriesDetectorOptions. */
  performanceDetector: Partial<SeriesDetectorOptions>;
  /** Per service, the options its catalogue `detection.preset` names; other services get `performanceDetector`. */
  performanceDetectorByService: Record<string, Partial<SeriesDetectorOptions>>;
  /** Event time from the first event during which error templates are learned, not reported as new. */
  errorWarmupMs: number;
  /** How long a dismissed incident's templates and subjects stay quiet, unless the dismissal says. */
  dismissSuppressMs: number;
  /** How far parsing must be past a window's end before the performance monitor takes it (default 10 s). */
  windowSettleMs?: number;
}

/** Everything the detectors remember between runs; committed by the store beat, as before/after the run. */
export interface DetectorMemory {
  performance: PerformanceMonitorState | null;
  learnedModel: LearnedModelSnapshot | null;
  behavioral: BehavioralSnapshot | null;
  /** Parameter values (fed the behavioural detector's events); absent in memory written before it. */
  values?: ValueNoveltySnapshot | null;
  /** Pairs of a request's values (see values/outcomes.ts); absent in memory written before it. */
  outcomes?: ChangedOutcomeSnapshot | null;
  bursts: ErrorBurstSnapshot | null;
  patterns: ErrorPatternSnapshot | null;
  incidents: IncidentReducerState;
  /** Last `seq` published per incident on the incidents topic. */
  incidentSeq: Record<string, number>;
  /**
   * Newest event time each event-fed detector has taken in: a later run over data already examined (a second
   * detection of the same parse run) must not feed the same sessions or errors again.
   */
  behavioralSeenUntil: SeenUntil;
  patternsSeenUntil: SeenUntil;
  /** Parse runs each event-fed detector has examined (see examine.ts): absent in memory written before them. */
  behavioralRuns?: string[];
  patternRuns?: string[];
  /** Parse runs whose windows the performance monitor has been fed (absent in memory written before it). */
  performanceRuns?: string[];
}

const emptyMemory = (): DetectorMemory => ({
  performance: null,
  learnedModel: null,
  behavioral: null,
  bursts: null,
  patterns: null,
  incidents: emptyIncidentReducerState(),
  incidentSeq: {},
  behavioralSeenUntil: Number.NEGATIVE_INFINITY,
  patternsSeenUntil: Number.NEGATIVE_INFINITY,
});

export type Requested = PayloadOf<'AnomalyDetectionRequested'>;

/** What a detector beat leaves for the store beat: its findings and its detector's state after the run. */
export interface DetectorOutcome<S> {
  findings: Finding[];
  state: S;
  evaluated: number;
  skipped: number;
}

export interface BehavioralState {
  detector: BehavioralSnapshot;
  model: LearnedModelSnapshot | null;
  values: ValueNoveltySnapshot;
  outcomes: ChangedOutcomeSnapshot;
  seenUntil: SeenUntil;
  runs: string[];
}

export interface PerformanceState {
  monitor: PerformanceMonitorState;
  runs: string[];
}

export interface ErrorState {
  bursts: ErrorBurstSnapshot;
  patterns: ErrorPatternSnapshot;
  seenUntil: SeenUntil;
  runs: string[];
}

/** What each detector beat stages, by staging step. */
export interface StagedOutcomes {
  performance: DetectorOutcome<PerformanceState>;
  behavioral: DetectorOutcome<BehavioralState>;
  coverage: DetectorOutcome<null>;
  errors: DetectorOutcome<ErrorState>;
}

export interface PlannedEvent {
  topic: string;
  key: string;
  event: StageEvent;
}

/** What the aggregate beat decided, left for the store and completion beats. */
export interface IncidentPlan {
  state: IncidentReducerState;
  incidentSeq: Record<string, number>;
  planned: PlannedEvent[];
  findings: Finding[];
}

/** What one run's beats read, loaded once per run in this process (see RunMemo); reloaded when missing. */
interface RunData {
  memory: DetectorMemory;
  aggregates: WindowAggregate[];
  events: TemplatedEvent[];
  wholeWindows: WindowAggregate[];
}

/** An anomaly.detect beat: see `beats/`, one file per beat. */
export type DetectBeat<H extends HandlerName<'anomaly.detect'>> = Beat<
  'anomaly.detect',
  H,
  AnomalyDetectDeps
>;

/**
 * What the anomaly.detect beats share. Detectors are online and keep their memory between runs (baselines,
 * learned sequences, known error templates, open incidents). Each detector beat starts from the memory as it was
 * before this run and leaves its new state in the run's chunks; the store beat commits them together. The run's
 * inputs (memory before the run, its aggregates and detection events) are read once per run, not once per beat.
 */
export class AnomalyDetectDeps {
  readonly chunks: ChunkStore;
  readonly memory: RunScopedState<DetectorMemory>;
  /** Whose turn it is with the memory (see MemoryClaims). */
  readonly claims: MemoryClaims;
  readonly telemetry: TelemetryReadModel;
  private readonly runs = new RunMemo<RunData>(2);

  constructor(
    readonly db: Db,
    readonly settings: AnomalyDetectSettings,
    readonly topics: TopicNames,
    /** Names this service in the incident lifecycle events it publishes. */
    readonly producer: string,
  ) {
    this.chunks = new ChunkStore(db, 'anomaly_staging');
    this.memory = new RunScopedState<DetectorMemory>(db, 'anomaly_memory', emptyMemory);
    this.claims = new MemoryClaims(db);
    this.telemetry = new TelemetryReadModel(db);
  }

  detector(name: string) {
    const version = this.settings.detectorVersion;
    return { name, version, configHash: `${name}/${version}` };
  }

  wants(r: Requested, kind: FindingKind): boolean {
    return r.detectors.includes(kind);
  }

  /**
   * The detectors' memory as it was before this run (the same on every attempt of the run). Each beat gets its own
   * copy: detectors restored from it may change what they were given, and later beats need it as it was.
   */
  async memoryBefore(runId: string): Promise<DetectorMemory> {
    return structuredClone(await this.once(runId, 'memory', () => this.memory.load('detectors', runId)));
  }

  /** The aggregates of the run's parse runs (and services and range). */
  aggregates(runId: string, r: Requested): Promise<WindowAggregate[]> {
    return this.once(runId, 'aggregates', () => this.telemetry.aggregatesOfRuns(r));
  }

  /** The detection events of the run's parse runs (and services and range), by time. */
  events(runId: string, r: Requested): Promise<TemplatedEvent[]> {
    return this.once(runId, 'events', () => this.telemetry.detectionEventsOf(r));
  }

  /**
   * The parse runs an event-fed detector takes in: the run's own not examined yet, and, first, earlier parse runs
   * (stored up to UNEXAMINED_HORIZON_MS before the run's own) that no detection run has examined. Detection runs
   * wait for the detectors' memory in no particular order: when a later parse run's detection got it first, its
   * sessions' first steps were still in the earlier parse run, and each session was judged as two broken halves.
   * Whichever run gets the memory now takes in every earlier run's events too, in time order; the earlier run's
   * own detection then finds them examined.
   */
  async unexaminedRuns(
    r: Requested,
    examined: readonly string[] | undefined,
  ): Promise<{ own: string[]; earlier: string[] }> {
    const own = freshRuns(r.parseRunIds, examined);
    const storedAt = await this.telemetry.storedAtOf(r.parseRunIds);
    if (storedAt.length === 0) return { own, earlier: [] };
    const until = Math.max(...storedAt);
    const around = await this.telemetry.runsStoredBetween(until - UNEXAMINED_HORIZON_MS, until);
    const mine = new Set(r.parseRunIds);
    return {
      own,
      earlier: freshRuns(
        around.map((x) => x.runId).filter((id) => !mine.has(id)),
        examined,
      ),
    };
  }

  /**
   * The detection events of the run's own parse runs (within its services and range) and of earlier ones (within
   * its services, whatever their times), by time.
   */
  async eventsOfRuns(
    runId: string,
    r: Requested,
    runs: { own: readonly string[]; earlier: readonly string[] },
  ): Promise<TemplatedEvent[]> {
    const own =
      runs.own.length === r.parseRunIds.length
        ? await this.events(runId, r)
        : runs.own.length === 0
          ? []
          : await this.telemetry.detectionEventsOf({ ...r, parseRunIds: [...runs.own] });
    if (runs.earlier.length === 0) return own;
    const earlier = await this.telemetry.detectionEventsOf({
      services: r.services,
      timeRange: null,
      parseRunIds: [...runs.earlier],
    });
    return [...earlier, ...own].sort((a, b) => a.timestamp - b.timestamp);
  }

  /**
   * The windows this run covers, whole: every run's contribution merged, and only windows parsing has passed by
   * `windowSettleMs`. A parse run's newest line is no sign the others have arrived: several instances' logs reach the
   * raw topic from their own shippers, seconds apart, and a window ending at the run's newest line holds on average
   * 62 % of its lines (five services, two instances each, on the healing bench); 5 s later all of them. The monitor
   * takes a window once and drops later contributions, so a window judged early stays judged on part of its lines.
   * Windows held back are taken by the next run: it reaches back by the settling time. From the earliest window of
   * the run's own parse runs and of `earlierRuns` (parse runs no detection has fed the monitor yet, see
   * `unexaminedRuns`): detections take the memory in no particular order, and a monitor fed a later parse run first
   * would drop the earlier one's windows as late.
   */
  wholeWindows(runId: string, r: Requested, earlierRuns: readonly string[] = []): Promise<WindowAggregate[]> {
    return this.once(runId, 'wholeWindows', async () => {
      const own = await this.aggregates(runId, r);
      const earlier =
        earlierRuns.length === 0
          ? []
          : await this.telemetry.aggregatesOfRuns({
              services: r.services,
              timeRange: null,
              parseRunIds: [...earlierRuns],
            });
      if (own.length === 0 && earlier.length === 0) return [];
      const all = [...earlier, ...own];
      const settle = this.settings.windowSettleMs ?? 10_000;
      const until = r.timeRange?.until ?? maxOf(all.map((a) => a.lastSeen)) + 1;
      const widest = maxOf(all.map((a) => a.windowMs));
      const contributions = await this.telemetry.contributionsToWindows(
        [...new Set(all.map((a) => a.service))],
        minOf(all.map((a) => a.windowStart)) - (settle > 0 ? settle + widest : 0),
        until,
      );
      return completeWindows(mergeContributions(contributions), until - settle);
    });
  }

  async stage<K extends keyof StagedOutcomes>(
    runId: string,
    step: K,
    outcome: StagedOutcomes[K],
  ): Promise<void> {
    await this.chunks.write(runId, step, [outcome]);
  }

  async staged<K extends keyof StagedOutcomes>(runId: string, step: K): Promise<StagedOutcomes[K]> {
    const [outcome] = await this.chunks.read<StagedOutcomes[K]>(runId, step);
    if (!outcome) throw new Error(`run ${runId} has no staged ${step} outcome`);
    return outcome;
  }

  async incidentPlan(runId: string): Promise<IncidentPlan> {
    const [plan] = await this.chunks.read<IncidentPlan>(runId, 'incidents');
    if (!plan) throw new Error(`run ${runId} has no incident plan`);
    return plan;
  }

  /** Forgets the run's inputs and staging, once its last event is committed. */
  async finish(runId: string): Promise<void> {
    this.runs.drop(runId);
    await this.chunks.clear(runId);
  }

  private async once<K extends keyof RunData>(runId: string, key: K, load: () => Promise<RunData[K]>) {
    const known = this.runs.get(runId, key);
    if (known !== undefined) return known;
    const loaded = await load();
    this.runs.set(runId, key, loaded);
    return loaded;
  }
}
