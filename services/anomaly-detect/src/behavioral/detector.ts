import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
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
  /** Events before which no template counts as new (the detector has not seen normal traffic yet). */
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
}

/**
 * Plain-JSON state of a `BehavioralDetector` except its model: a learned model has its own snapshot
 * (`LearnedModel.snapshot`), a declared one has no state.
 */
export interface BehavioralSnapshot {
  sessions: SessionizerSnapshot;
  knownTemplates: Array<[string, string]>;
  eventsSeen: number;
  quarantine: Array<{ due: number; session: ClosedSession }>;
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
};

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
  private readonly quarantine: Array<{ due: number; session: ClosedSession }> = [];

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
      quarantine: structuredClone(this.quarantine),
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
    detector.quarantine.push(...structuredClone(snapshot.quarantine));
    return detector;
  }

  push(event: TemplatedEvent): Finding[] {
    const findings: Finding[] = [];
    this.eventsSeen++;
    const unseen = this.noteTemplate(event);
    if (unseen) findings.push(unseen);
    const key = this.options.keyOf(event);
    if (key === null) {
      findings.push(...this.judge(this.sessions.advance(event.timestamp)));
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

  advance(time: number): Finding[] {
    return this.judge(this.sessions.advance(time));
  }

  drain(): Finding[] {
    return this.judge(this.sessions.drain());
  }

  private noteTemplate(event: TemplatedEvent): Finding | null {
    if (this.knownTemplates.has(event.templateId)) return null;
    if (this.knownTemplates.size >= this.options.maxKnownTemplates) return null;
    this.knownTemplates.set(event.templateId, event.template);
    if (this.eventsSeen <= this.options.warmupEvents) return null;
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
        `${this.eventsSeen - 1} earlier events; first occurrence at ${new Date(event.timestamp).toISOString()}` +
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
      const violations = this.model.ready() ? this.model.check(session) : [];
      if (!this.model.ready() || (violations.length === 0 && this.options.learnConformingSessions)) {
        this.model.learn(session);
      } else if (violations.length > 0 && Number.isFinite(this.options.relearnAfterMs)) {
        this.quarantine.push({
          due: session.end + this.options.relearnAfterMs,
          session: { ...session, events: [] },
        });
        if (this.quarantine.length > this.options.maxQuarantined) this.quarantine.shift();
      }
      for (const v of violations) findings.push(toFinding(v, session, this.knownTemplates));
    }
    // Sessions end in time order closely enough that the queue is (nearly) sorted by due time.
    while (this.quarantine.length > 0 && this.quarantine[0]!.due <= this.sessions.now()) {
      this.model.learn(this.quarantine.shift()!.session);
    }
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
