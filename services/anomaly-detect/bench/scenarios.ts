/**
 * Labelled scenarios from the sample service, scored per fault kind.
 *
 *   npm run bench:scenarios -- --json [--seeds 3] [--minutes 12] [--rate 5] [--model learned|declared]
 *                                     [--extractor miner|tiny] [--share 0.05] [--details] [--only <kind>]
 *                                     [--show <rule>]
 *
 * Each scenario is `--minutes` of checkout traffic from one seed: normal traffic, or normal traffic with one fault
 * injected from minute 6 to minute 8 (the detectors learn from the first minutes). Lines become `TemplatedEvent`s
 * (template mining by @self-healing/telemetry-parse's `TemplateMiner`, or the tiny digit-masking extractor below),
 * then go through the behavioural detector, the error-pattern detector, the error-burst detector (1-minute windows)
 * and the incident reducer.
 *
 * Scoring. Each finding predicts one fault kind through its rule (`predictedKind`); rules with no fault kind
 * (unexpected-step, repeated-step) are reported apart as `otherFindings`.
 * - Trace-level kinds (skipped-step, reordered-step): the ground-truth units are the labelled (fault, trace) pairs;
 *   a prediction is one (kind, trace) pair from the findings' `evidence.traceId`; it is a true positive when its
 *   trace is among the label's traces.
 * - Interval-level kinds (new-exception, error-burst, latency-regression): the unit is the label; a prediction is
 *   one finding id; it matches when [since, at] overlaps [start, end + 2 min] (windowed detectors report at window
 *   end) and, when the finding names a trace, that trace is one the fault changed.
 * tp = units matched by at least one prediction, fn = units matched by none, fp = predictions matching no unit of
 * their kind (in any scenario, the normal ones included). recall = tp / (tp + fn); precision = matched predictions /
 * all predictions of the kind (`matched` is printed; it differs from tp when several findings hit one label).
 */
import { parseArgs } from 'node:util';
import type { Finding, Level, TemplatedEvent, WindowAggregate } from '@self-healing/schemas';
import { faultKinds, generateTraffic, declaredSequences } from '@self-healing/sample-service';
import type { FaultKind, FaultLabel } from '@self-healing/sample-service';
import { TemplateMiner } from '@self-healing/telemetry-parse';
import { BehavioralDetector, DeclaredModel, LearnedModel } from '../src/behavioral/index.js';
import { ErrorBurstDetector, ErrorPatternDetector, parseFrame } from '../src/errors/index.js';
import { emptyIncidentReducerState, evolve } from '../src/incidents/index.js';
import type { IncidentReducerState } from '../src/incidents/index.js';
import { stableId } from '../src/incidents/stable-id.js';

const MIN = 60_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const GRACE_MS = 2 * MIN;

const predictedKind: Record<string, FaultKind> = {
  'missing-step': 'skipped-step',
  'step-out-of-order': 'reordered-step',
  'new-error-template': 'new-exception',
  'new-stack-signature': 'new-exception',
  'unseen-template': 'new-exception',
  'error-burst': 'error-burst',
  'latency-shift': 'latency-regression',
};
const traceLevel = new Set<FaultKind>(['skipped-step', 'reordered-step']);

const pinoLevel: Record<number, Level> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

interface PinoRecord {
  level: number;
  time: number;
  hostname?: string;
  name?: string;
  reqId?: string;
  traceId?: string;
  handler?: string;
  msg: string;
  err?: { type?: string; message?: string; stack?: string };
}

type Extractor = (message: string) => { templateId: string; template: string; params: string[] };

/** `key=value` tokens and digit-bearing tokens are parameters (`key=<*>` keeps its key). */
function tinyExtractor(): Extractor {
  return (message) => {
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
  };
}

function minerExtractor(): Extractor {
  const miner = new TemplateMiner();
  return (message) => {
    const r = miner.add(message);
    return { templateId: r.templateId, template: r.template, params: r.params };
  };
}

function toEvent(line: string, extract: Extractor): TemplatedEvent {
  const r = JSON.parse(line) as PinoRecord;
  const t = extract(r.msg);
  const took = /\btook (\d+) ms\b/.exec(r.msg);
  const stack = (r.err?.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => parseFrame(l))
    .filter((f) => f !== null)
    .map((f) => `${f.fn ?? '<anonymous>'} (${f.file}:${f.line ?? 0})`);
  return {
    timestamp: r.time,
    service: r.name ?? 'unknown',
    host: r.hostname ?? null,
    level: pinoLevel[r.level] ?? 'info',
    component: r.handler ?? null,
    templateId: t.templateId,
    template: t.template,
    params: t.params,
    traceId: r.traceId ?? null,
    spanId: null,
    sessionId: r.reqId ?? null,
    numbers: took ? { durationMs: Number(took[1]) } : {},
    stack,
  };
}

/** Per (service, template) counts of the current 1-minute window, handed to the burst detector when it closes. */
class Windows {
  private current = new Map<string, WindowAggregate>();
  private windowStart: number | null = null;

  add(e: TemplatedEvent): WindowAggregate[] {
    const start = Math.floor(e.timestamp / MIN) * MIN;
    const closed = this.windowStart !== null && start > this.windowStart ? this.flush() : [];
    this.windowStart = start;
    const key = `${e.service}\u0000${e.templateId}`;
    let a = this.current.get(key);
    if (!a) {
      a = {
        service: e.service,
        templateId: e.templateId,
        template: e.template,
        windowStart: start,
        windowMs: MIN,
        count: 0,
        errorCount: 0,
        latency: null,
        latencySketch: null,
        firstSeen: e.timestamp,
        lastSeen: e.timestamp,
        newTemplate: false,
      };
      this.current.set(key, a);
    }
    a.count++;
    if (e.level === 'error' || e.level === 'fatal') a.errorCount++;
    a.lastSeen = e.timestamp;
    return closed;
  }

  flush(): WindowAggregate[] {
    const out = [...this.current.values()];
    this.current = new Map();
    return out;
  }
}

interface ScenarioResult {
  kind: FaultKind | 'normal';
  seed: number;
  labels: FaultLabel[];
  findings: Finding[];
  incidentsOpened: number;
  incidentsReopened: number;
}

function runScenario(kind: FaultKind | 'normal', seed: number, o: Options): ScenarioResult {
  const durationMs = o.minutes * MIN;
  const faults =
    kind === 'normal'
      ? []
      : [
          {
            kind,
            start: START + 6 * MIN,
            end: START + 8 * MIN,
            ...(o.share === null ? {} : { share: o.share }),
          },
        ];
  const { lines, labels } = generateTraffic({
    seed,
    start: START,
    durationMs,
    ratePerSecond: o.rate,
    faults,
  });
  const extract = o.extractor === 'miner' ? minerExtractor() : tinyExtractor();
  const model =
    o.model === 'declared'
      ? new DeclaredModel(declaredSequences)
      : new LearnedModel({ warmupSessions: 600, rareProbability: 0.003 });
  const behavioral = new BehavioralDetector(model, { inactivityTimeoutMs: 30_000, warmupEvents: 10_000 });
  const patterns = new ErrorPatternDetector({ warmupMs: 4 * MIN });
  const bursts = new ErrorBurstDetector({ minBaselineWindows: 3 });
  const windows = new Windows();
  const byId = new Map<string, Finding>();
  let pending: Finding[] = [];
  let incidents: IncidentReducerState = emptyIncidentReducerState();
  let opened = 0;
  let reopened = 0;
  const collect = (fs: Finding[]): void => {
    for (const f of fs) byId.set(f.id, f);
    pending.push(...fs);
  };
  const closeWindow = (aggregates: WindowAggregate[], now: number): void => {
    collect(bursts.observe(aggregates));
    collect(patterns.advance());
    const r = evolve(incidents, pending, now);
    incidents = r.state;
    opened += r.opened.length;
    reopened += r.reopened.length;
    pending = [];
  };
  let last = START;
  for (const line of lines) {
    const e = toEvent(line, extract);
    last = e.timestamp;
    const closed = windows.add(e);
    if (closed.length > 0) closeWindow(closed, Math.floor(e.timestamp / MIN) * MIN);
    collect(behavioral.push(e));
    collect(patterns.push(e));
  }
  collect(behavioral.advance(last + MIN));
  closeWindow(windows.flush(), last + MIN);
  return {
    kind,
    seed,
    labels,
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
    for (const r of results) {
      const labels = r.labels.filter((l) => l.kind === kind);
      const predictions = r.findings.filter((f) => predictedKind[f.rule] === kind);
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
          return overlaps && (typeof trace !== 'string' || l.traceIds.includes(trace));
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
    }
    const predictions = matched + fp;
    scores[kind] = {
      precision: predictions > 0 ? round(matched / predictions) : null,
      recall: tp + fn > 0 ? round(tp / (tp + fn)) : null,
      tp,
      fp,
      fn,
      matched,
    };
  }
  for (const r of results) {
    for (const f of r.findings) {
      if (predictedKind[f.rule] === undefined) other[f.rule] = (other[f.rule] ?? 0) + 1;
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
  };
  if (!(o.minutes >= 10)) throw new Error('--minutes must be at least 10 (faults run from minute 6 to 8)');
  const results: ScenarioResult[] = [];
  const began = performance.now();
  for (let seed = 1; seed <= o.seeds; seed++) {
    for (const kind of ['normal' as const, ...faultKinds]) {
      if (values.only !== undefined && values.only !== kind) continue;
      const r = runScenario(kind, seed, o);
      // --show <rule>: print up to 5 explanations of that rule, to see why a detector fired.
      for (const f of r.findings.filter((x) => x.rule === values.show).slice(0, 5)) {
        process.stderr.write(`  ${f.explanation}\n`);
      }
      results.push(r);
      const rules: Record<string, number> = {};
      for (const f of r.findings) rules[f.rule] = (rules[f.rule] ?? 0) + 1;
      process.stderr.write(
        `seed ${seed} ${kind.padEnd(18)} findings ${JSON.stringify(rules)} incidents opened ${r.incidentsOpened}` +
          ` reopened ${r.incidentsReopened}\n`,
      );
    }
  }
  const { scores, other, fpDuringOtherFault } = score(results);
  process.stderr.write(
    `${results.length} scenarios (${o.seeds} seeds x ${faultKinds.length + 1}), model ${o.model}, extractor ` +
      `${o.extractor}, ${((performance.now() - began) / 1000).toFixed(1)} s; findings without a fault kind: ` +
      `${JSON.stringify(other)}; false positives that fell on another injected fault: ` +
      `${JSON.stringify(fpDuringOtherFault)}; latency-regression has no detector here (the performance detector is ` +
      `separate)\n`,
  );
  if (values.json) {
    process.stdout.write(
      JSON.stringify(
        values.details ? { scores, otherFindings: other, fpDuringOtherFault, options: o } : scores,
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const [kind, s] of Object.entries(scores)) {
      process.stdout.write(
        `${kind.padEnd(20)} precision ${s.precision ?? '-'} recall ${s.recall ?? '-'} tp ${s.tp} fp ${s.fp} fn ${s.fn}\n`,
      );
    }
  }
}

main();
