import type { TemplatedEvent } from '@self-healing/schemas';
import type { BehavioralRule, ClosedSession, SequenceModel, Violation } from './types.js';

/** Sentinels for the start and the end of a session in the directly-follows graph. */
export const START = '(start)';
export const END = '(end)';

export interface LearnedModelOptions {
  /** Sessions to learn from before judging any. */
  warmupSessions: number;
  /**
   * ...and the event time they must span, from the first session's start to the last one's end. Sessions end in
   * order of length: the first few hundred to close are the shortest (a look at the catalogue and gone). Ready on
   * their count alone (ten services reach 200 sessions in seconds), the model had learned that the first page ends a
   * session (its terminal step), closed every later shopper's session at it and judged the rest as sessions starting
   * mid-way, and learned those halves in turn.
   */
  warmupSpanMs: number;
  /**
   * A transition is rare when we are confident (95%) that it follows its source step less than this share of the
   * time: the upper bound (count + 3 + 2 sqrt(count)) / support is below it. A transition never seen therefore
   * needs about 3 / rareProbability occurrences of its source before it can be called rare, which keeps rare but
   * normal paths (seen in 1% of sessions) from being flagged merely because warm-up was too short to show them.
   */
  rareProbability: number;
  /** Occurrences of the source step required in addition (a floor for very small rareProbability values). */
  minSupport: number;
  /** Bounded memory: steps kept in the graph, and successors kept per step (Space-Saving replacement). */
  maxSteps: number;
  maxSuccessors: number;
  /** Step key of an event; by default its template id. */
  stepOf: (event: TemplatedEvent) => string | null;
  /** A step ends sessions when at least this share of its occurrences ended one (learned terminal step). */
  terminalShare: number;
}

export const defaultLearnedOptions: LearnedModelOptions = {
  warmupSessions: 200,
  warmupSpanMs: 60_000,
  rareProbability: 0.003,
  minSupport: 0,
  maxSteps: 20_000,
  maxSuccessors: 64,
  stepOf: (event) => event.templateId,
  terminalShare: 0.95,
};

interface StepStats {
  count: number;
  successors: Map<string, number>;
}

/** Serializable form of the graph (for snapshots and tests). */
export interface LearnedModelSnapshot {
  sessions: number;
  /** Event time of the first learned session's start and the last one's end (absent in older snapshots). */
  learnedFrom?: number | null;
  learnedUntil?: number | null;
  steps: Array<[string, number, Array<[string, number]>]>;
}

/**
 * Directly-follows graph learned online from normal sessions: per step, how often each successor followed it,
 * with `(start)` and `(end)` sentinels. A session conforms when every transition in it is common. A rare
 * transition is explained, in this order, as a repeat, a swap of two steps, a skipped step (a common two-step
 * path exists around it), or else an unexpected step.
 */
export class LearnedModel implements SequenceModel {
  private readonly options: LearnedModelOptions;
  private readonly graph = new Map<string, StepStats>();
  private sessions = 0;
  private learnedFrom = Number.POSITIVE_INFINITY;
  private learnedUntil = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<LearnedModelOptions> = {}) {
    this.options = { ...defaultLearnedOptions, ...options };
  }

  stepOf(event: TemplatedEvent): string | null {
    return this.options.stepOf(event);
  }

  ready(): boolean {
    return (
      this.sessions >= this.options.warmupSessions &&
      this.learnedUntil - this.learnedFrom >= this.options.warmupSpanMs
    );
  }

  knows(step: string): boolean {
    return this.graph.has(step);
  }

  isTerminal(step: string): boolean {
    const stats = this.graph.get(step);
    if (!stats || !this.ready() || stats.count < this.options.minSupport) return false;
    return (stats.successors.get(END) ?? 0) / stats.count >= this.options.terminalShare;
  }

  /** P(next | step) with the counts behind it. */
  probability(step: string, next: string): { p: number; support: number } {
    const stats = this.graph.get(step);
    if (!stats || stats.count === 0) return { p: 0, support: 0 };
    return { p: (stats.successors.get(next) ?? 0) / stats.count, support: stats.count };
  }

  learn(session: ClosedSession): void {
    const path = this.pathOf(session);
    this.sessions++;
    this.learnedFrom = Math.min(this.learnedFrom, session.start);
    this.learnedUntil = Math.max(this.learnedUntil, session.end);
    for (let i = 0; i + 1 < path.length; i++) this.addTransition(path[i]!, path[i + 1]!);
  }

  check(session: ClosedSession): Violation[] {
    if (!this.ready()) return [];
    const path = this.pathOf(session);
    const violations: Violation[] = [];
    const reported = new Set<string>();
    for (let i = 0; i + 1 < path.length; i++) {
      const from = path[i]!;
      const to = path[i + 1]!;
      // Steps the model never saw are reported once by the detector as unseen templates; every transition
      // touching them would be rare by construction and would only repeat that finding.
      if (!this.knowsTransition(from, to) || !this.isRare(from, to)) continue;
      const v = this.violationAt(session, i);
      // A swap shows as several rare transitions touching both steps: one out-of-order finding per session.
      const key = v.rule === 'step-out-of-order' ? v.rule : `${v.rule}|${v.step}`;
      if (reported.has(key)) continue;
      reported.add(key);
      violations.push(v);
    }
    return violations;
  }

  transitionsOf(session: ClosedSession): Array<{ index: number; from: string; to: string }> {
    const path = this.pathOf(session);
    const out: Array<{ index: number; from: string; to: string }> = [];
    for (let i = 0; i + 1 < path.length; i++)
      if (this.knowsTransition(path[i]!, path[i + 1]!))
        out.push({ index: i, from: path[i]!, to: path[i + 1]! });
    return out;
  }

  unproven(from: string, to: string): boolean {
    return this.ready() && !this.common(from, to) && !this.isRare(from, to);
  }

  sourcesOf(session: ClosedSession): string[] {
    return this.pathOf(session).slice(0, -1);
  }

  upperBound(from: string, to: string): number {
    const { p, support } = this.probability(from, to);
    if (support === 0) return 1;
    const count = p * support;
    return Math.min(1, (count + 3 + 2 * Math.sqrt(count)) / support);
  }

  violationAt(session: ClosedSession, i: number): Violation {
    const path = this.pathOf(session);
    const from = path[i]!;
    const to = path[i + 1]!;
    const occurrence = session.occurrences[Math.min(i, session.occurrences.length - 1)];
    const at = occurrence?.start ?? session.end;
    const templateIds = occurrence?.templateIds ?? [];
    const { p, support } = this.probability(from, to);
    const surprise = -Math.log2((p * support + 1) / (support + 2));
    const base = { position: i, at, templateIds, magnitude: surprise, model: 'learned' };
    const usual = this.usualSuccessors(from);
    const classified = this.classify(path, i, new Set(path));
    const observed = `${from} → ${to} (seen ${(p * 100).toFixed(2)}% of ${support} times)`;
    return { ...base, ...classified, expected: classified.expected ?? `${from} → ${usual}`, observed };
  }

  private knowsTransition(from: string, to: string): boolean {
    return this.graph.has(from) && (to === END || this.graph.has(to));
  }

  snapshot(): LearnedModelSnapshot {
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      sessions: this.sessions,
      learnedFrom: finite(this.learnedFrom),
      learnedUntil: finite(this.learnedUntil),
      steps: [...this.graph].map(([step, s]) => [step, s.count, [...s.successors]]),
    };
  }

  static restore(snapshot: LearnedModelSnapshot, options: Partial<LearnedModelOptions> = {}): LearnedModel {
    const model = new LearnedModel(options);
    model.sessions = snapshot.sessions;
    if (snapshot.learnedFrom == null || snapshot.learnedUntil == null) {
      // An older snapshot did not keep the span: its model counts as having learned long enough.
      if (snapshot.sessions > 0) [model.learnedFrom, model.learnedUntil] = [0, Number.MAX_SAFE_INTEGER];
    } else [model.learnedFrom, model.learnedUntil] = [snapshot.learnedFrom, snapshot.learnedUntil];
    for (const [step, count, successors] of snapshot.steps) {
      model.graph.set(step, { count, successors: new Map(successors) });
    }
    return model;
  }

  private pathOf(session: ClosedSession): string[] {
    const steps = session.occurrences.map((o) => o.step);
    // A session cut by the end of input has no known end; one cut by overflow neither.
    const ended = session.reason === 'terminal' || session.reason === 'timeout';
    return ended ? [START, ...steps, END] : [START, ...steps];
  }

  private isRare(from: string, to: string): boolean {
    const { support } = this.probability(from, to);
    if (support === 0 || support < this.options.minSupport) return false;
    return this.upperBound(from, to) < this.options.rareProbability;
  }

  private common(from: string, to: string): boolean {
    const { p, support } = this.probability(from, to);
    return support > 0 && p >= this.options.rareProbability;
  }

  private usualSuccessors(step: string): string {
    const stats = this.graph.get(step);
    if (!stats) return '?';
    return [...stats.successors]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([s, c]) => `${s} (${((c / stats.count) * 100).toFixed(1)}%)`)
      .join(' | ');
  }

  private classify(
    path: readonly string[],
    i: number,
    present: ReadonlySet<string>,
  ): { rule: BehavioralRule; step: string; expected?: string } {
    const from = path[i]!;
    const to = path[i + 1]!;
    if (to !== END && (to === from || path.slice(0, i + 1).includes(to))) {
      return { rule: 'repeated-step', step: to, expected: `${to} once` };
    }
    if (to !== END && from !== START && this.common(to, from)) {
      return { rule: 'step-out-of-order', step: to, expected: `${from} after ${to}` };
    }
    // A common two-step path from → middle → to: `middle` was skipped, or ran elsewhere (out of order).
    let best: { middle: string; score: number } | null = null;
    for (const [middle] of this.graph.get(from)?.successors ?? []) {
      if (middle === END || middle === to || !this.common(from, middle) || !this.common(middle, to)) continue;
      const score = this.probability(from, middle).p * this.probability(middle, to).p;
      if (best === null || score > best.score) best = { middle, score };
    }
    if (best) {
      const expected = `${from} → ${best.middle} → ${to}`;
      return present.has(best.middle)
        ? { rule: 'step-out-of-order', step: best.middle, expected }
        : { rule: 'missing-step', step: best.middle, expected };
    }
    return { rule: 'unexpected-step', step: to };
  }

  private addTransition(from: string, to: string): void {
    let stats = this.graph.get(from);
    if (!stats) {
      if (this.graph.size >= this.options.maxSteps) this.evictLeastSeenStep();
      stats = { count: 0, successors: new Map() };
      this.graph.set(from, stats);
    }
    stats.count++;
    const current = stats.successors.get(to);
    if (current !== undefined) {
      stats.successors.set(to, current + 1);
      return;
    }
    if (stats.successors.size < this.options.maxSuccessors) {
      stats.successors.set(to, 1);
      return;
    }
    // Space-Saving: the newcomer inherits the smallest count + 1, so heavy successors are never lost and the
    // error of any count is at most the evicted minimum.
    let minKey: string | null = null;
    let min = Number.POSITIVE_INFINITY;
    for (const [key, count] of stats.successors) {
      if (count < min) {
        min = count;
        minKey = key;
      }
    }
    if (minKey !== null) stats.successors.delete(minKey);
    stats.successors.set(to, min + 1);
  }

  private evictLeastSeenStep(): void {
    let minKey: string | null = null;
    let min = Number.POSITIVE_INFINITY;
    for (const [key, stats] of this.graph) {
      if (key !== START && stats.count < min) {
        min = stats.count;
        minKey = key;
      }
    }
    if (minKey !== null) this.graph.delete(minKey);
  }
}
