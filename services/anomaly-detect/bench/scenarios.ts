/**
 * Labelled scenarios from the sample service, scored per fault kind.
 *
 *   npm run bench:scenarios -- --json [--seeds 3] [--minutes 12] [--rate 5] [--model learned|declared]
 *                                     [--extractor miner|tiny] [--share 0.05] [--details] [--only <kind>]
 *                                     [--show <rule>] [--perf-minutes 120] [--perf-rate 1] [--factor 5]
 *
 * Short scenarios (`normal` and every fault kind but latency regression) are `--minutes` of checkout traffic at
 * `--rate` requests/s from one seed: normal traffic, or normal traffic with one fault injected from minute 6 to
 * minute 8 (the behavioural and error detectors learn from the first minutes). A latency regression needs what the
 * performance detector needs: an hour of history per series (`HOUR_SCALE_DETECTOR_OPTIONS`, the demo's preset)
 * before it judges anything. So `latency-regression` and its control `normal-long` are `--perf-minutes` long at
 * `--perf-rate` requests/s, the regression (`--factor` times slower) injected for the 10 minutes starting 30
 * minutes before the end; the minutes between the warm-up and the fault are normal traffic judged like any other.
 * The regression runs in four cases (`LATENCY_CASES`): every request of the slowed step 5×, 1.5× and 1.3× slower,
 * and 10% of its requests 2× slower; each is scored on its own (`latency-regression <case>`) and all together
 * (`latency-regression`). `--factor`/`--share` replace them by one case.
 *
 * Lines go through telemetry-parse's own extract, normalize and aggregate steps (those of the service, with its
 * template miner, or the tiny digit-masking extractor below), 500 lines per record as `healctl ship` sends them.
 * The events then go through the behavioural detector and the error-pattern detector; each 1-minute window, once
 * the event stream has passed it, through the error-burst detector and the performance monitor
 * (`PerformanceMonitor`, hour-scale preset); then the incident reducer. Windows still open when the traffic ends
 * are left out, as the service leaves out windows not wholly parsed.
 *
 * Scoring. Each finding predicts one fault kind through its rule (`predictedKind`); rules with no fault kind
 * (unexpected-step, repeated-step) are reported apart as `otherFindings`.
 * - Trace-level kinds (skipped-step, reordered-step): the ground-truth units are the labelled (fault, trace) pairs;
 *   a prediction is one (kind, trace) pair from the findings' `evidence.traceId`; it is a true positive when its
 *   trace is among the label's traces.
 * - Interval-level kinds (new-exception, error-burst, latency-regression): the unit is the label; a prediction is
 *   one finding id; it matches when [since, at] overlaps [start, end + 2 min] (windowed detectors report at window
 *   end) and, when the finding names a trace, that trace is one the fault changed. A latency finding must also be
 *   about a template the fault slowed: one whose events in the changed traces come from the label's handlers (the
 *   slowed step, and the completion line that times the whole request).
 * - Latency-regression predictions are the performance findings on a p95 going up (spike, latency-shift); the
 *   performance monitor's throughput and error-rate findings predict no fault kind and are reported apart.
 * tp = units matched by at least one prediction, fn = units matched by none, fp = predictions matching no unit of
 * their kind (in any scenario, the normal ones included). recall = tp / (tp + fn); precision = matched predictions /
 * all predictions of the kind (`matched` is printed; it differs from tp when several findings hit one label).
 */
import { parseArgs } from 'node:util';
import type { Finding, TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { faultKinds, generateTraffic, declaredSequences } from '@self-healing/sample-service';
import type { FaultKind, FaultLabel, FaultSpec } from '@self-healing/sample-service';
import {
  MINER_OPTIONS,
  TemplateMiner,
  aggregateEvents,
  extractEvents,
  extractNumbers,
  normalizeEvents,
} from '@self-healing/telemetry-parse';
import type { MinerLike, PositionedRecord } from '@self-healing/telemetry-parse';
import { BehavioralDetector, DeclaredModel, LearnedModel } from '../src/behavioral/index.js';
import { ErrorBurstDetector, ErrorPatternDetector } from '../src/errors/index.js';
import { emptyIncidentReducerState, evolve } from '../src/incidents/index.js';
import type { IncidentReducerState } from '../src/incidents/index.js';
import { stableId } from '../src/incidents/stable-id.js';
import { ValueNoveltyDetector } from '../src/values/index.js';
import { HOUR_SCALE_DETECTOR_OPTIONS, PerformanceMonitor } from '../src/performance/index.js';

const MIN = 60_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const GRACE_MS = 2 * MIN;
const SERVICE = 'checkout';
/** Lines per Kafka record, as `healctl ship` sends them. */
const LINES_PER_RECORD = 500;

const predictedKindOfRule: Record<string, FaultKind> = {
  'missing-step': 'skipped-step',
  'step-out-of-order': 'reordered-step',
  'new-error-template': 'new-exception',
  'new-stack-signature': 'new-exception',
  'unseen-template': 'new-exception',
  'error-burst': 'error-burst',
};

/** The fault kind a finding predicts: by rule, and for performance findings a p95 going up is a latency regression. */
function predictedKind(f: Finding): FaultKind | undefined {
  if (f.kind === 'performance')
    return f.evidence['metric'] === 'latency.p95' && f.evidence['direction'] === 'up'
      ? 'latency-regression'
      : undefined;
  return predictedKindOfRule[f.rule];
}

/** Findings without a fault kind, by rule (performance ones also by metric). */
function otherKey(f: Finding): string {
  return f.kind === 'performance' ? `${f.rule}:${String(f.evidence['metric'])}` : f.rule;
}

const traceLevel = new Set<FaultKind>(['skipped-step', 'reordered-step']);

/** One latency regression: `share` of the slowed step's requests become `factor` times slower. */
interface LatencyCase {
  name: string;
  factor: number;
  share: number;
}

/**
 * The regressions scored: the sample service's default (every request 5× slower), and harder ones where a window
 * alone is weak evidence: 1.5× and 1.3× slower, and a tenth of the requests 2× slower (about 6 slow requests of 60
 * a minute where chance gives 3 above the baseline p95).
 */
const LATENCY_CASES: readonly LatencyCase[] = [
  { name: 'x5', factor: 5, share: 1 },
  { name: 'x1.5', factor: 1.5, share: 1 },
  { name: 'x1.3', factor: 1.3, share: 1 },
  { name: '10% x2', factor: 2, share: 0.1 },
];

type ScenarioKind = FaultKind | 'normal' | 'normal-long';
/** Scenarios that need the performance detector's hour of history. */
const longScenario = (kind: ScenarioKind): boolean => kind === 'normal-long' || kind === 'latency-regression';

/** `key=value` tokens and digit-bearing tokens are parameters (`key=<*>` keeps its key). */
function tinyMiner(): MinerLike {
  const seen = new Set<string>();
  return {
    add(message) {
      const t = tinyExtract(message);
      const isNew = !seen.has(t.templateId);
      seen.add(t.templateId);
      return { ...t, isNew };
    },
  };
}

function tinyExtract(message: string): { templateId: string; template: string; params: string[] } {
  {
    const params: string[] = [];
    const template = message
      .split(' ')
      .map((token) => {
        const eq = token.indexOf('=');
        if (eq <= 0 && !/\d/.test(token)) return token;
        if (eq > 0) {
          params.push(token.slice(eq + 1));
          return `${token.slice(0, eq)}=<*>`;
        }
        params.push(token);
        return '<*>';
      })
      .join(' ');
    return { templateId: stableId('tpl', template), template, params };
  }
}

/**
 * The lines as the telemetry-parse service turns them into events and 1-minute window aggregates: its extract,
 * normalize and aggregate steps, one run over all the lines.
 */
function parse(
  lines: readonly string[],
  extractor: Options['extractor'],
): {
  events: TemplatedEvent[];
  aggregates: WindowAggregate[];
} {
  const miner: MinerLike = extractor === 'miner' ? new TemplateMiner(MINER_OPTIONS) : tinyMiner();
  const records: PositionedRecord[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < lines.length; i += LINES_PER_RECORD) {
    records.push({
      position: `checkout.log:${i + 1}`,
      record: {
        value: encoder.encode(lines.slice(i, i + LINES_PER_RECORD).join('\n')),
        headers: { service: SERVICE },
      },
    });
  }
  const extracted = extractEvents(records, {
    minerFor: () => miner,
    extractNumbers,
    defaultService: SERVICE,
  });
  const normalized = normalizeEvents(extracted.events, {
    defaultZone: 'UTC',
    defaultLevel: 'info',
    timeRange: null,
    services: [],
  });
  // One event per line, in line order (the lines are in time order): the ground truth is read from the lines.
  if (normalized.events.length !== lines.length)
    throw new Error(`${lines.length} lines gave ${normalized.events.length} events`);
  const events = normalized.events.map(({ position: _position, ...e }) => e);
  const { aggregates } = aggregateEvents(normalized.events, {
    windowMs: MIN,
    allowedLatenessMs: 30_000,
    previousMaxEventTime: {},
    knownTemplates: new Set(),
  });
  return { events, aggregates };
}

/**
 * Templates of the lines the label's handlers wrote in its changed traces (`events[i]` is `lines[i]`; the handler is
 * read from the line, since the parse keeps pino's `handler` field only as text).
 */
function templatesShowing(
  label: FaultLabel,
  lines: readonly string[],
  events: readonly TemplatedEvent[],
): Set<string> {
  const traces = new Set(label.traceIds);
  const handlers = new Set<string>(label.handlers);
  const out = new Set<string>();
  lines.forEach((line, i) => {
    const r = JSON.parse(line) as { traceId?: string; handler?: string };
    if (r.traceId !== undefined && traces.has(r.traceId) && handlers.has(r.handler ?? ''))
      out.add(events[i]!.templateId);
  });
  return out;
}

interface ScenarioResult {
  kind: ScenarioKind;
  /** The latency regression's case, for `latency-regression` scenarios. */
  latencyCase: string | null;
  seed: number;
  labels: FaultLabel[];
  /** Per label (same order), the templates its fault shows in. */
  labelTemplates: Set<string>[];
  /** Minutes during which the performance detector judged windows (after its warm-up). */
  judgedMinutes: number;
  findings: Finding[];
  incidentsOpened: number;
  incidentsReopened: number;
}

function runScenario(
  kind: ScenarioKind,
  seed: number,
  o: Options,
  latencyCase: LatencyCase | null,
): ScenarioResult {
  const long = longScenario(kind);
  const minutes = long ? o.perfMinutes : o.minutes;
  const durationMs = minutes * MIN;
  const faultStart = long ? START + (minutes - 30) * MIN : START + 6 * MIN;
  const faults: FaultSpec[] =
    kind === 'normal' || kind === 'normal-long'
      ? []
      : [
          {
            kind,
            start: faultStart,
            end: faultStart + (long ? 10 : 2) * MIN,
            ...(latencyCase !== null
              ? { share: latencyCase.share, factor: latencyCase.factor }
              : o.share === null
                ? {}
                : { share: o.share }),
          },
        ];
  const { lines, labels } = generateTraffic({
    seed,
    start: START,
    durationMs,
    ratePerSecond: long ? o.perfRate : o.rate,
    faults,
  });
  const { events, aggregates } = parse(lines, o.extractor);
  // Windows the traffic did not fill (requests still running at its end) are left out, as in the service.
  const byWindow = new Map<number, WindowAggregate[]>();
  for (const a of aggregates) {
    if (a.windowStart + a.windowMs > START + durationMs) continue;
    const list = byWindow.get(a.windowStart);
    if (list) list.push(a);
    else byWindow.set(a.windowStart, [a]);
  }
  const windowStarts = [...byWindow.keys()].sort((x, y) => x - y);
  const model =
    o.model === 'declared'
      ? new DeclaredModel(declaredSequences)
      : new LearnedModel({ warmupSessions: 600, rareProbability: 0.003 });
  const behavioral = new BehavioralDetector(model, { inactivityTimeoutMs: 30_000, warmupEvents: 10_000 });
  const values = new ValueNoveltyDetector();
  const patterns = new ErrorPatternDetector({ warmupMs: 4 * MIN });
  const bursts = new ErrorBurstDetector({ minBaselineWindows: 3 });
  const monitor = new PerformanceMonitor({ detector: HOUR_SCALE_DETECTOR_OPTIONS });
  const byId = new Map<string, Finding>();
  let pending: Finding[] = [];
  let incidents: IncidentReducerState = emptyIncidentReducerState();
  let opened = 0;
  let reopened = 0;
  const collect = (fs: Finding[]): void => {
    for (const f of fs) byId.set(f.id, f);
    pending.push(...fs);
  };
  let nextWindow = 0;
  /** Hands every window that ends at or before `until` to the windowed detectors, then to the reducer. */
  const closeWindowsBefore = (until: number): void => {
    let closed = false;
    while (nextWindow < windowStarts.length && windowStarts[nextWindow]! + MIN <= until) {
      const window = byWindow.get(windowStarts[nextWindow]!)!;
      collect(bursts.observe(window));
      collect(monitor.observe(window));
      nextWindow++;
      closed = true;
    }
    if (!closed) return;
    collect(patterns.advance());
    const r = evolve(incidents, pending, Math.floor(until / MIN) * MIN);
    incidents = r.state;
    opened += r.opened.length;
    reopened += r.reopened.length;
    pending = [];
  };
  let last = START;
  for (const e of events) {
    last = e.timestamp;
    closeWindowsBefore(e.timestamp);
    collect(behavioral.push(e));
    // As in the service: the value detector reads the events of a session or trace.
    if (e.traceId !== null || e.sessionId !== null) collect(values.push(e));
    collect(patterns.push(e));
  }
  collect(behavioral.advance(last + MIN));
  for (const service of new Set(events.map((e) => e.service))) collect(values.advance(last + MIN, service));
  closeWindowsBefore(Number.MAX_SAFE_INTEGER);
  const warmupMs = HOUR_SCALE_DETECTOR_OPTIONS.minHistoryMs ?? 0;
  return {
    kind,
    latencyCase: latencyCase?.name ?? null,
    seed,
    labels,
    labelTemplates: labels.map((l) => templatesShowing(l, lines, events)),
    judgedMinutes: Math.max(0, (durationMs - warmupMs) / MIN - 1),
    findings: [...byId.values()],
    incidentsOpened: opened,
    incidentsReopened: reopened,
  };
}

interface Score {
  precision: number | null;
  recall: number | null;
  tp: number;
  fp: number;
  fn: number;
  matched: number;
  /** Of `fp`, the predictions in the fault-free scenarios (`normal`, `normal-long`). */
  fpInNormal: number;
}

interface Scored {
  scores: Record<string, Score>;
  other: Record<string, number>;
  /** False positives of a kind that fell on another fault (its traces or interval): detections of side effects. */
  fpDuringOtherFault: Record<string, Record<string, number>>;
}

function score(results: ScenarioResult[]): Scored {
  const scores: Record<string, Score> = {};
  const other: Record<string, number> = {};
  const fpDuringOtherFault: Record<string, Record<string, number>> = {};
  const noteSideEffect = (
    kind: FaultKind,
    r: ScenarioResult,
    trace: string | null,
    f: Finding | null,
  ): void => {
    const hit = r.labels.find(
      (l) =>
        l.kind !== kind &&
        (trace !== null
          ? l.traceIds.includes(trace)
          : f !== null && f.since <= l.end + GRACE_MS && f.at >= l.start),
    );
    if (!hit) return;
    const row = (fpDuringOtherFault[kind] ??= {});
    row[hit.kind] = (row[hit.kind] ?? 0) + 1;
  };
  for (const kind of faultKinds) {
    let tp = 0;
    let fn = 0;
    let fp = 0;
    let matched = 0;
    let fpInNormal = 0;
    for (const r of results) {
      const fpBefore = fp;
      const labels = r.labels.filter((l) => l.kind === kind);
      const predictions = r.findings.filter((f) => predictedKind(f) === kind);
      if (traceLevel.has(kind)) {
        const units = new Set(labels.flatMap((l) => l.traceIds));
        const predicted = new Set(predictions.map((f) => String(f.evidence['traceId'] ?? `finding:${f.id}`)));
        const hit = [...predicted].filter((t) => units.has(t));
        for (const t of predicted) if (!units.has(t)) noteSideEffect(kind, r, t, null);
        matched += hit.length;
        fp += predicted.size - hit.length;
        tp += hit.length;
        fn += units.size - hit.length;
      } else {
        const matches = (f: Finding, l: FaultLabel): boolean => {
          const trace = f.evidence['traceId'];
          const overlaps = f.since <= l.end + GRACE_MS && f.at >= l.start;
          const templates = r.labelTemplates[r.labels.indexOf(l)]!;
          const aboutSlowedTemplate =
            kind !== 'latency-regression' || f.templateIds.some((t) => templates.has(t));
          return overlaps && aboutSlowedTemplate && (typeof trace !== 'string' || l.traceIds.includes(trace));
        };
        const hitPredictions = predictions.filter((f) => labels.some((l) => matches(f, l)));
        for (const f of predictions) {
          if (!hitPredictions.includes(f)) noteSideEffect(kind, r, null, f);
        }
        matched += hitPredictions.length;
        fp += predictions.length - hitPredictions.length;
        const detected = labels.filter((l) => predictions.some((f) => matches(f, l))).length;
        tp += detected;
        fn += labels.length - detected;
      }
      if (r.labels.length === 0) fpInNormal += fp - fpBefore;
    }
    const predictions = matched + fp;
    scores[kind] = {
      precision: predictions > 0 ? round(matched / predictions) : null,
      recall: tp + fn > 0 ? round(tp / (tp + fn)) : null,
      tp,
      fp,
      fn,
      matched,
      fpInNormal,
    };
  }
  for (const r of results) {
    for (const f of r.findings) {
      if (predictedKind(f) === undefined) other[otherKey(f)] = (other[otherKey(f)] ?? 0) + 1;
    }
  }
  return { scores, other, fpDuringOtherFault };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

interface Options {
  seeds: number;
  minutes: number;
  rate: number;
  model: 'learned' | 'declared';
  extractor: 'miner' | 'tiny';
  /** Share of requests a fault affects; null keeps the sample service's default per kind. */
  share: number | null;
  /** Length and request rate of the scenarios the performance detector judges (`normal-long`, latency regression). */
  perfMinutes: number;
  perfRate: number;
  /** Latency regression: how many times slower the step gets; with `share`, one case instead of `LATENCY_CASES`. */
  factor: number | null;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      details: { type: 'boolean', default: false },
      seeds: { type: 'string', default: '3' },
      minutes: { type: 'string', default: '12' },
      rate: { type: 'string', default: '5' },
      model: { type: 'string', default: 'learned' },
      extractor: { type: 'string', default: 'miner' },
      show: { type: 'string' },
      share: { type: 'string' },
      only: { type: 'string' },
      'perf-minutes': { type: 'string', default: '120' },
      'perf-rate': { type: 'string', default: '1' },
      factor: { type: 'string' },
    },
  });
  if (values.model !== 'learned' && values.model !== 'declared')
    throw new Error('--model is learned or declared');
  if (values.extractor !== 'miner' && values.extractor !== 'tiny')
    throw new Error('--extractor is miner or tiny');
  const o: Options = {
    seeds: Number(values.seeds),
    minutes: Number(values.minutes),
    rate: Number(values.rate),
    model: values.model,
    extractor: values.extractor,
    share: values.share === undefined ? null : Number(values.share),
    perfMinutes: Number(values['perf-minutes']),
    perfRate: Number(values['perf-rate']),
    factor: values.factor === undefined ? null : Number(values.factor),
  };
  if (!(o.minutes >= 10)) throw new Error('--minutes must be at least 10 (faults run from minute 6 to 8)');
  const warmupMinutes = (HOUR_SCALE_DETECTOR_OPTIONS.minHistoryMs ?? 0) / MIN;
  if (!(o.perfMinutes >= warmupMinutes + 40))
    throw new Error(
      `--perf-minutes must be at least ${warmupMinutes + 40}: the performance detector's warm-up, ` +
        '10 judged minutes before the fault, the fault (10) and 20 minutes after',
    );
  const results: ScenarioResult[] = [];
  const began = performance.now();
  const latencyCases: readonly LatencyCase[] =
    o.factor === null && o.share === null
      ? LATENCY_CASES
      : [
          {
            name: `${o.share === null ? '' : `${o.share * 100}% `}x${o.factor ?? 5}`,
            factor: o.factor ?? 5,
            share: o.share ?? 1,
          },
        ];
  type Run = { kind: ScenarioKind; latencyCase: LatencyCase | null };
  const kinds: ScenarioKind[] = ['normal', 'normal-long', ...faultKinds];
  const runs = kinds.flatMap((kind): Run[] =>
    kind === 'latency-regression'
      ? latencyCases.map((c) => ({ kind, latencyCase: c }))
      : [{ kind, latencyCase: null }],
  );
  for (let seed = 1; seed <= o.seeds; seed++) {
    for (const { kind, latencyCase } of runs) {
      if (values.only !== undefined && values.only !== kind) continue;
      const r = runScenario(kind, seed, o, latencyCase);
      // --show <rule>: print up to 5 explanations of that rule, to see why a detector fired.
      for (const f of r.findings.filter((x) => x.rule === values.show).slice(0, 5)) {
        process.stderr.write(`  ${f.explanation}\n`);
      }
      results.push(r);
      const rules: Record<string, number> = {};
      for (const f of r.findings) rules[f.rule] = (rules[f.rule] ?? 0) + 1;
      process.stderr.write(
        `seed ${seed} ${(kind + (latencyCase ? ` ${latencyCase.name}` : '')).padEnd(25)} findings ${JSON.stringify(rules)} incidents opened ${r.incidentsOpened}` +
          ` reopened ${r.incidentsReopened}\n`,
      );
    }
  }
  const { scores, other, fpDuringOtherFault } = score(results);
  // Each regression case on its own: its scenarios only (false findings on fault-free traffic are counted below).
  for (const c of latencyCases) {
    const own = results.filter((r) => r.latencyCase === c.name);
    if (own.length > 0) scores[`latency-regression ${c.name}`] = score(own).scores['latency-regression']!;
  }
  // Latency findings on fault-free traffic, the false alarms pooling must not add.
  const normalLatency = results
    .filter((r) => r.kind === 'normal-long')
    .reduce((n, r) => n + r.findings.filter((f) => f.evidence['metric'] === 'latency.p95').length, 0);
  // What the performance monitor reports on fault-free traffic once it judges, per hour judged.
  const normalLong = results.filter((r) => r.kind === 'normal-long');
  const judgedHours = normalLong.reduce((h, r) => h + r.judgedMinutes / 60, 0);
  const normalPerformance: Record<string, number> = {};
  for (const r of normalLong)
    for (const f of r.findings.filter((x) => x.kind === 'performance'))
      normalPerformance[otherKey(f)] = (normalPerformance[otherKey(f)] ?? 0) + 1;
  process.stderr.write(
    `${results.length} scenarios (${o.seeds} seeds), model ${o.model}, extractor ` +
      `${o.extractor}, ${((performance.now() - began) / 1000).toFixed(1)} s; findings without a fault kind: ` +
      `${JSON.stringify(other)}; false positives that fell on another injected fault: ` +
      `${JSON.stringify(fpDuringOtherFault)}; performance findings on fault-free traffic ` +
      `(${judgedHours.toFixed(1)} h judged): ${JSON.stringify(normalPerformance)}, of them on latency: ` +
      `${normalLatency}\n`,
  );
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        values.details
          ? {
              scores,
              otherFindings: other,
              fpDuringOtherFault,
              normalPerformance: {
                judgedHours: Math.round(judgedHours * 10) / 10,
                findings: normalPerformance,
              },
              options: o,
            }
          : scores,
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const [kind, s] of Object.entries(scores)) {
      process.stdout.write(
        `${kind.padEnd(20)} precision ${s.precision ?? '-'} recall ${s.recall ?? '-'} tp ${s.tp} fp ${s.fp} ` +
          `(${s.fpInNormal} on fault-free traffic) fn ${s.fn}\n`,
      );
    }
  }
}

main();
