import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { CompanionDetector, type CompanionSnapshot } from '../companions/index.js';
import { findingId } from '../incidents/stable-id.js';
import { binomialTail } from '../performance/aggregates.js';
import { Sessionizer, defaultKeyOf } from './sessions.js';
import type { SessionizerSnapshot } from './sessions.js';
import type { ClosedSession, SequenceModel, Violation } from './types.js';

export interface BehavioralDetectorOptions {
  /** Sessions are complete after this much event time without an event (unless a terminal step closed them). */
  inactivityTimeoutMs: number;
  /** After a terminal step, wait this long (event time) for out-of-order stragglers before judging the session. */
  terminalGraceMs: number;
  maxEventsPerSession: number;
  maxOpenSessions: number;
  /** Templates remembered as "seen" (bounded; beyond it no new template is remembered and none is reported). */
  maxKnownTemplates: number;
  /** A service's events before which none of its templates counts as new (it has not shown normal traffic yet). */
  warmupEvents: number;
  /** Keep learning from sessions that conform after warm-up, so the model follows slow, legitimate change. */
  learnConformingSessions: boolean;
  /**
   * Sessions that violated the model are learned too, but only this long (event time) after they ended: a
   * changed flow is reported while it is new, and becomes the new normal if it persists (a deploy that changed the
   * flow on purpose). Infinity never learns them.
   */
  relearnAfterMs: number;
  /** Violating sessions held for later learning (oldest dropped first). */
  maxQuarantined: number;
  keyOf: (event: TemplatedEvent) => string | null;
  /**
   * Flow windows (event time): a transition the model cannot yet call rare, seen too often within one window to be
   * the model's at-most probability at work, is reported (binomial tail below `flowAlpha`, at least
   * `flowMinCount` times).
   */
  flowWindowMs: number;
  flowAlpha: number;
  flowMinCount: number;
}

/**
 * Plain-JSON state of a `BehavioralDetector` except its model: a learned model has its own snapshot
 * (`LearnedModel.snapshot`), a declared one has no state.
 */
export interface BehavioralSnapshot {
  sessions: SessionizerSnapshot;
  knownTemplates: Array<[string, string]>;
  eventsSeen: number;
  /**
   * Events seen per service, for each service's warm-up (absent in snapshots taken before the warm-up was per
   * service: every service then starts one of its own).
   */
  warmup?: Array<{ service: string; events: number }>;
  quarantine: Array<{ due: number; session: ClosedSession }>;
  /** Open flow windows (absent in snapshots taken before them). */
  flows?: FlowWindow[];
  /** Templates that accompany each other in sessions (absent in snapshots taken before them). */
  companions?: CompanionSnapshot;
}

export const defaultBehavioralOptions: BehavioralDetectorOptions = {
  inactivityTimeoutMs: 30_000,
  terminalGraceMs: 1_000,
  maxEventsPerSession: 2_000,
  maxOpenSessions: 100_000,
  maxKnownTemplates: 50_000,
  warmupEvents: 2_000,
  learnConformingSessions: true,
  relearnAfterMs: 60 * 60_000,
  maxQuarantined: 10_000,
  keyOf: defaultKeyOf,
  flowWindowMs: 60_000,
  // About once a week by chance for a transition tested every minute (10,080 windows a week), the bar the other
  // detectors set per series.
  flowAlpha: 1e-4,
  flowMinCount: 5,
};

/**
 * One flow window: how often each step was a transition's source in the sessions that ended in it, and how often
 * each unproven transition followed it (with one session that shows it, to explain a finding).
 */
interface FlowWindow {
  start: number;
  sources: Record<string, number>;
  suspects: Record<
    string,
    {
      from: string;
      to: string;
      k: number;
      /** The most the model allowed for the transition when the window first saw it. */
      bound: number;
      example: ClosedSession;
      index: number;
    }
  >;
}

/**
 * Behavioural conformance: events grouped by trace / session / request id are compared, step by step, with a
 * sequence model (learned `LearnedModel` or declared `DeclaredModel`). Works on event time only.
 *
 * Usage: `push(event)` for each event in (roughly) time order, `advance(time)` when time passes without events,
 * `drain()` at the end of the input. Each returns the findings that became known.
 */
export class BehavioralDetector {
  private readonly options: BehavioralDetectorOptions;
  private readonly sessions: Sessionizer;
  /** Template id -> template text: novelty, and readable explanations when steps are template ids. */
  private readonly knownTemplates = new Map<string, string>();
  private eventsSeen = 0;
  /**
   * Each service's events, for its own warm-up: ten services warming up together passed a shared 2,000 events within
   * seconds, and a service's first rare coupon (its ~200th line) was reported as unseen. A line any service has
   * logged is known to all: copies of one program share their templates, and judging novelty per service (tried)
   * made every rare line of every copy news once, fifteen incidents in a ten-service warm-up instead of four. (The
   * error detector's novelty is per service: a new error matters wherever it appears; a new log line does not.)
   */
  private readonly warmup = new Map<string, number>();
  private readonly quarantine: Array<{ due: number; session: ClosedSession }> = [];
  private flows: FlowWindow[] = [];
  /** Steps skipped for some sessions only: a line that always came with another stops coming with it. */
  private companions = new CompanionDetector();

  constructor(
    private readonly model: SequenceModel,
    options: Partial<BehavioralDetectorOptions> = {},
  ) {
    this.options = { ...defaultBehavioralOptions, ...options };
    this.sessions = new Sessionizer(this.options, (e) => model.stepOf(e));
  }

  snapshot(): BehavioralSnapshot {
    return {
      sessions: this.sessions.snapshot(),
      knownTemplates: [...this.knownTemplates],
      eventsSeen: this.eventsSeen,
      warmup: [...this.warmup].map(([service, events]) => ({ service, events })),
      quarantine: structuredClone(this.quarantine),
      flows: structuredClone(this.flows),
      companions: this.companions.snapshot(),
    };
  }

  /** A detector that continues from `snapshot`; `model` must be the model restored from the same moment. */
  static restore(
    model: SequenceModel,
    snapshot: BehavioralSnapshot,
    options: Partial<BehavioralDetectorOptions> = {},
  ): BehavioralDetector {
    const detector = new BehavioralDetector(model, options);
    detector.sessions.restore(snapshot.sessions);
    for (const [id, text] of snapshot.knownTemplates) detector.knownTemplates.set(id, text);
    detector.eventsSeen = snapshot.eventsSeen;
    for (const w of snapshot.warmup ?? []) detector.warmup.set(w.service, w.events);
    detector.quarantine.push(...structuredClone(snapshot.quarantine));
    detector.flows = structuredClone(snapshot.flows ?? []);
    if (snapshot.companions) detector.companions = CompanionDetector.restore(snapshot.companions);
    return detector;
  }

  push(event: TemplatedEvent): Finding[] {
    const findings: Finding[] = [];
    this.eventsSeen++;
    const unseen = this.noteTemplate(event);
    if (unseen) findings.push(unseen);
    const key = this.options.keyOf(event);
    if (key === null) {
      findings.push(...this.judge(this.sessions.advance(event.timestamp, event.service)));
      return findings;
    }
    const late = this.lateAfterTerminal(event, key);
    if (late) {
      findings.push(late);
      return findings;
    }
    findings.push(...this.judge(this.sessions.push(event, key)));
    const step = this.model.stepOf(event);
    if (step !== null && this.model.isTerminal(step)) {
      findings.push(...this.judge(this.sessions.markTerminal(key, event.timestamp)));
    }
    return findings;
  }

  /** Time has passed without events: for the named service, or for every service when none is named. */
  advance(time: number, service?: string): Finding[] {
    return this.judge(this.sessions.advance(time, service));
  }

  drain(): Finding[] {
    return this.judge(this.sessions.drain());
  }

  private noteTemplate(event: TemplatedEvent): Finding | null {
    const events = (this.warmup.get(event.service) ?? 0) + 1;
    this.warmup.set(event.service, events);
    if (this.knownTemplates.has(event.templateId)) return null;
    if (this.knownTemplates.size >= this.options.maxKnownTemplates) return null;
    this.knownTemplates.set(event.templateId, event.template);
    if (events <= this.options.warmupEvents) return null;
    const key = this.options.keyOf(event) ?? '';
    return {
      id: findingId('behavioral', 'unseen-template', event.service, event.templateId, event.timestamp),
      kind: 'behavioral',
      rule: 'unseen-template',
      service: event.service,
      subject: event.templateId,
      templateIds: [event.templateId],
      since: event.timestamp,
      at: event.timestamp,
      magnitude: 1,
      explanation:
        `Template "${event.template}" (${event.templateId}) of ${event.service} was never seen in ` +
        `${this.eventsSeen - 1} earlier events (${events - 1} of this service); first occurrence at ${new Date(event.timestamp).toISOString()}` +
        (key ? ` in session ${key}.` : '.'),
      evidence: {
        sessionKey: key || null,
        traceId: event.traceId,
        template: event.template,
        level: event.level,
        component: event.component,
        knownTemplates: this.knownTemplates.size - 1,
      },
    };
  }

  /** An event for a session that already ended with its terminal step: the flow went on after its end. */
  private lateAfterTerminal(event: TemplatedEvent, key: string): Finding | null {
    const marker = this.sessions.closedMarker(key);
    if (!marker || !this.model.ready()) return null;
    const step = this.model.stepOf(event);
    if (step === null) return null;
    // More lines of the terminal step itself (not a second run of it) belong to that step.
    if (step === marker.lastStep && event.templateId !== marker.lastOpeningTemplateId) return null;
    if (!this.model.isTerminal(marker.lastStep)) return null;
    const violation: Violation = {
      rule: step === marker.lastStep ? 'repeated-step' : 'unexpected-step',
      step,
      expected: `nothing after ${marker.lastStep} (it ends the flow)`,
      observed: `${step} ${event.timestamp - marker.closedAt} ms after ${marker.lastStep}`,
      position: -1,
      at: event.timestamp,
      templateIds: [event.templateId],
      magnitude: 1,
      model: 'terminal',
    };
    return toFinding(
      violation,
      {
        key,
        service: event.service,
        traceId: event.traceId,
        start: marker.sessionStart,
        end: event.timestamp,
        reason: 'terminal',
        occurrences: [],
        events: [],
      },
      this.knownTemplates,
    );
  }

  private judge(closed: ClosedSession[]): Finding[] {
    const findings: Finding[] = [];
    for (const session of closed) {
      const ready = this.model.ready();
      const violations = ready ? this.model.check(session) : [];
      // Counted before the session is learned: the window compares with what the model allowed before it.
      if (ready) this.count(session);
      if (!ready || (violations.length === 0 && this.options.learnConformingSessions)) {
        this.model.learn(session);
      } else if (violations.length > 0 && Number.isFinite(this.options.relearnAfterMs)) {
        this.quarantine.push({
          due: session.end + this.options.relearnAfterMs,
          session: { ...session, events: [] },
        });
        if (this.quarantine.length > this.options.maxQuarantined) this.quarantine.shift();
      }
      for (const v of violations) findings.push(toFinding(v, session, this.knownTemplates));
      // Sessions cut short (input drained, too many events) would look like sessions that skipped their ends.
      if (session.reason === 'terminal' || session.reason === 'timeout')
        this.companions.observe({
          service: session.service,
          end: session.end,
          templates: session.events.map((e) => ({ id: e.templateId, text: e.template })),
        });
    }
    findings.push(...this.closeFlowWindows());
    findings.push(...this.companions.advance((service) => this.sessions.clockOf(service)));
    // Sessions end in time order closely enough that the queue is (nearly) sorted by due time.
    while (this.quarantine.length > 0 && this.quarantine[0]!.due <= this.sessions.now()) {
      this.model.learn(this.quarantine.shift()!.session);
    }
    return findings;
  }

  /**
   * Counts the session's transition sources in the flow window it ended in, and its transitions the model could not
   * judge when the window first saw them (every later occurrence in the window counts, learned meanwhile or not).
   */
  private count(session: ClosedSession): void {
    const m = this.model;
    if (!m.sourcesOf || !m.transitionsOf || !m.unproven) return;
    const start = Math.floor(session.end / this.options.flowWindowMs) * this.options.flowWindowMs;
    let w = this.flows.find((f) => f.start === start);
    if (!w) {
      w = { start, sources: {}, suspects: {} };
      this.flows.push(w);
    }
    for (const step of m.sourcesOf(session)) w.sources[step] = (w.sources[step] ?? 0) + 1;
    for (const t of m.transitionsOf(session)) {
      const key = `${t.from}\u0000${t.to}`;
      const s = w.suspects[key];
      if (s) s.k++;
      else if (m.unproven(t.from, t.to))
        w.suspects[key] = {
          from: t.from,
          to: t.to,
          k: 1,
          bound: m.upperBound?.(t.from, t.to) ?? 1,
          example: { ...session, events: [] },
          index: t.index,
        };
    }
  }

  /**
   * Judges the flow windows no session can end in any more (event time past their end and the sessions' timeout):
   * a transition the model could not call rare on its own, seen k times in n departures from its source, is
   * reported when k that high is improbable (binomial tail below `flowAlpha`) even at the most the model allowed
   * for it when the window first saw it. A flow that changed with a release shows here within minutes, while each
   * session alone looks merely new (and is learned as before: a rare but normal path must become known).
   */
  private closeFlowWindows(): Finding[] {
    const { flowWindowMs, inactivityTimeoutMs, flowAlpha, flowMinCount } = this.options;
    const now = this.sessions.now();
    const findings: Finding[] = [];
    const open: FlowWindow[] = [];
    for (const w of this.flows) {
      if (w.start + flowWindowMs + inactivityTimeoutMs > now) {
        open.push(w);
        continue;
      }
      for (const s of Object.values(w.suspects)) {
        const n = w.sources[s.from] ?? s.k;
        const bound = s.bound;
        if (s.k < flowMinCount || bound >= 1 || !this.model.violationAt) continue;
        const tail = binomialTail(s.k, Math.max(n, s.k), bound, 'upper');
        if (tail >= flowAlpha) continue;
        const v = this.model.violationAt(s.example, s.index);
        const window = `${new Date(w.start).toISOString().slice(11, 16)}-${new Date(w.start + flowWindowMs).toISOString().slice(11, 16)}`;
        const finding = toFinding(
          {
            ...v,
            observed: `${v.observed}; in ${s.k} of ${n} departures in ${window} UTC (at most ${(bound * 100).toFixed(2)}% expected, p ${tail.toExponential(1)})`,
            magnitude: Math.min(50, -Math.log10(Math.max(tail, 1e-300))),
          },
          s.example,
          this.knownTemplates,
        );
        // Many sessions, not the one example it names: readers (learning) tell it from a single session's oddity.
        finding.evidence['flowWindowSessions'] = s.k;
        findings.push(finding);
      }
    }
    this.flows = open;
    return findings;
  }
}

const ruleText: Record<Violation['rule'], string> = {
  'missing-step': 'missing step',
  'unexpected-step': 'unexpected step',
  'step-out-of-order': 'step out of order',
  'repeated-step': 'repeated step',
  'unseen-template': 'template never seen before',
};

/**
 * Builds the finding. `names` (template id -> text) makes explanations readable when the model's steps are
 * template ids: each id in `expected`/`observed` is followed by its template in quotes.
 */
export function toFinding(
  v: Violation,
  session: ClosedSession,
  names: ReadonlyMap<string, string> = new Map(),
): Finding {
  const named = (text: string): string =>
    text.replace(/[A-Za-z0-9_-]{6,}/g, (token) =>
      names.has(token) ? `${token} "${names.get(token)}"` : token,
    );
  const expected = named(v.expected);
  const observed = named(v.observed);
  return {
    id: findingId('behavioral', v.rule, session.service, v.step, session.start, session.key),
    kind: 'behavioral',
    rule: v.rule,
    service: session.service,
    subject: v.step,
    templateIds: v.templateIds,
    since: session.start,
    at: v.at,
    magnitude: v.magnitude,
    explanation:
      `${ruleText[v.rule]} in session ${session.key} of ${session.service} (model ${v.model}): ` +
      `expected ${expected}, observed ${observed}; session began ${new Date(session.start).toISOString()}.`,
    evidence: {
      sessionKey: session.key,
      traceId: session.traceId,
      model: v.model,
      expected: v.expected,
      observed: v.observed,
      position: v.position,
      closeReason: session.reason,
      steps: session.occurrences.map((o) => o.step).join(' → ') || null,
    },
  };
}
