import type { TemplatedEvent } from '@self-healing/schemas';
import type { ClosedSession, SequenceModel, StepOccurrence, Violation } from './types.js';

/**
 * A step of a declared sequence. In the string form a suffix sets the flags like a regular expression:
 * `name?` optional, `name+` may repeat, `name*` optional and may repeat.
 */
export type StepDeclaration = string | { step: string; optional?: boolean; repeatable?: boolean };

/** The generic declared-sequence shape (our own seven sequences are declared this way). */
export interface ExpectedSequence {
  id: string;
  steps: StepDeclaration[];
  /** Steps that end the flow; by default the last required step. */
  terminal?: string[];
}

export interface NormalizedStep {
  step: string;
  optional: boolean;
  repeatable: boolean;
}

export interface NormalizedSequence {
  id: string;
  steps: NormalizedStep[];
  terminal: Set<string>;
}

export function normalizeStep(declaration: StepDeclaration): NormalizedStep {
  if (typeof declaration !== 'string') {
    return {
      step: declaration.step,
      optional: declaration.optional ?? false,
      repeatable: declaration.repeatable ?? false,
    };
  }
  const flag = declaration.slice(-1);
  if (flag === '?' || flag === '+' || flag === '*') {
    return { step: declaration.slice(0, -1), optional: flag !== '+', repeatable: flag !== '?' };
  }
  return { step: declaration, optional: false, repeatable: false };
}

export function normalizeSequence(sequence: ExpectedSequence): NormalizedSequence {
  const steps = sequence.steps.map(normalizeStep);
  if (steps.length === 0) throw new Error(`sequence ${sequence.id} declares no step`);
  const required = steps.filter((s) => !s.optional);
  const lastRequired = required[required.length - 1] ?? steps[steps.length - 1]!;
  return { id: sequence.id, steps, terminal: new Set(sequence.terminal ?? [lastRequired.step]) };
}

/**
 * How an event is matched to a declared step: the step name equals the event's component (handler), its template
 * id or its template text. The first declared name that matches wins.
 */
export type StepMatcher = (event: TemplatedEvent, declaredSteps: ReadonlySet<string>) => string | null;

export const defaultStepMatcher: StepMatcher = (event, declared) => {
  if (event.component !== null && declared.has(event.component)) return event.component;
  if (declared.has(event.templateId)) return event.templateId;
  if (declared.has(event.template)) return event.template;
  return null;
};

/**
 * Conformance against sequences the user declared. A session is compared with the declared sequence it fits best
 * (fewest violations, then most shared steps, then declaration order), so alternative flows (a failure path next
 * to the happy path) are declared as separate sequences.
 */
export class DeclaredModel implements SequenceModel {
  private readonly sequences: NormalizedSequence[];
  private readonly allSteps: Set<string>;
  private readonly terminals: Set<string>;

  constructor(
    sequences: readonly ExpectedSequence[],
    private readonly matcher: StepMatcher = defaultStepMatcher,
  ) {
    if (sequences.length === 0) throw new Error('DeclaredModel needs at least one sequence');
    this.sequences = sequences.map(normalizeSequence);
    this.allSteps = new Set(this.sequences.flatMap((s) => s.steps.map((x) => x.step)));
    // A step is terminal only when it is terminal in every sequence that contains it, otherwise a shared final
    // step of one flow would cut another flow short.
    this.terminals = new Set(
      [...this.allSteps].filter((step) =>
        this.sequences.every((s) => !s.steps.some((x) => x.step === step) || s.terminal.has(step)),
      ),
    );
  }

  stepOf(event: TemplatedEvent): string | null {
    return this.matcher(event, this.allSteps);
  }

  isTerminal(step: string): boolean {
    return this.terminals.has(step);
  }

  ready(): boolean {
    return true;
  }

  learn(): void {
    // A declaration does not change with traffic.
  }

  check(session: ClosedSession): Violation[] {
    if (session.occurrences.length === 0) return [];
    let best: { violations: Violation[]; overlap: number } | null = null;
    for (const sequence of this.sequences) {
      const violations = compare(sequence, session);
      const names = new Set(sequence.steps.map((s) => s.step));
      const overlap = new Set(session.occurrences.filter((o) => names.has(o.step)).map((o) => o.step)).size;
      if (
        best === null ||
        violations.length < best.violations.length ||
        (violations.length === best.violations.length && overlap > best.overlap)
      ) {
        best = { violations, overlap };
      }
    }
    return best?.violations ?? [];
  }
}

/** Compares one session with one declared sequence. Exported for tests. */
export function compare(sequence: NormalizedSequence, session: ClosedSession): Violation[] {
  const occurrences = session.occurrences;
  const indexOf = new Map(sequence.steps.map((s, i) => [s.step, i]));
  const violations: Violation[] = [];
  const model = sequence.id;
  const observedPath = (i: number): string => occurrences[i - 1]?.step ?? '(start)';

  // Unexpected: a step of some other flow inside this one.
  occurrences.forEach((o, i) => {
    if (indexOf.has(o.step)) return;
    violations.push({
      rule: 'unexpected-step',
      step: o.step,
      expected: `a step of ${model} (${sequence.steps.map((s) => s.step).join(' → ')})`,
      observed: `${o.step} after ${observedPath(i)}`,
      position: i,
      at: o.start,
      templateIds: o.templateIds,
      magnitude: 1,
      model,
    });
  });

  // Repeated: the second and later occurrences of a step that may run once.
  const seen = new Map<string, number>();
  occurrences.forEach((o, i) => {
    const index = indexOf.get(o.step);
    if (index === undefined) return;
    const count = (seen.get(o.step) ?? 0) + 1;
    seen.set(o.step, count);
    if (count === 2 && !sequence.steps[index]!.repeatable) {
      const total = occurrences.filter((x) => x.step === o.step).length;
      violations.push({
        rule: 'repeated-step',
        step: o.step,
        expected: `${o.step} once`,
        observed: `${o.step} ${total} times (again after ${observedPath(i)})`,
        position: i,
        at: o.start,
        templateIds: o.templateIds,
        magnitude: total,
        model,
      });
    }
  });

  // Out of order: first occurrences that are not on the longest run that agrees with the declared order.
  const firsts: Array<{ occurrence: StepOccurrence; position: number; index: number }> = [];
  const taken = new Set<string>();
  occurrences.forEach((o, position) => {
    const index = indexOf.get(o.step);
    if (index === undefined || taken.has(o.step)) return;
    taken.add(o.step);
    firsts.push({ occurrence: o, position, index });
  });
  const inOrder = longestIncreasing(firsts.map((f) => f.index));
  firsts.forEach((f, k) => {
    if (inOrder.has(k)) return;
    const before = sequence.steps[f.index - 1]?.step ?? '(start)';
    const after = sequence.steps[f.index + 1]?.step ?? '(end)';
    violations.push({
      rule: 'step-out-of-order',
      step: f.occurrence.step,
      expected: `${f.occurrence.step} after ${before} and before ${after}`,
      observed: `${f.occurrence.step} after ${observedPath(f.position)}`,
      position: f.position,
      at: f.occurrence.start,
      templateIds: f.occurrence.templateIds,
      magnitude: 1,
      model,
    });
  });

  // Missing: required steps that never ran. When the input ended (drain), steps after the furthest observed one
  // may still be on their way, so only gaps are reported.
  const furthest = Math.max(-1, ...firsts.map((f) => f.index));
  sequence.steps.forEach((s, index) => {
    if (s.optional || taken.has(s.step)) return;
    if (session.reason === 'drain' && index > furthest) return;
    const previous = lastPresentBefore(sequence, index, taken);
    const next = firstPresentAfter(sequence, index, taken);
    violations.push({
      rule: 'missing-step',
      step: s.step,
      expected: `${previous} → ${s.step} → ${next}`,
      observed: `${previous} → ${next}`,
      position: -1,
      at: session.end,
      templateIds: [],
      magnitude: 1,
      model,
    });
  });
  return violations;
}

function lastPresentBefore(sequence: NormalizedSequence, index: number, present: Set<string>): string {
  for (let i = index - 1; i >= 0; i--)
    if (present.has(sequence.steps[i]!.step)) return sequence.steps[i]!.step;
  return '(start)';
}

function firstPresentAfter(sequence: NormalizedSequence, index: number, present: Set<string>): string {
  for (let i = index + 1; i < sequence.steps.length; i++) {
    if (present.has(sequence.steps[i]!.step)) return sequence.steps[i]!.step;
  }
  return '(end)';
}

/** Positions (into `values`) of one longest strictly increasing subsequence, O(n log n); ties keep earlier items. */
export function longestIncreasing(values: readonly number[]): Set<number> {
  const tailIdx: number[] = [];
  const prev: number[] = new Array<number>(values.length).fill(-1);
  values.forEach((v, i) => {
    let lo = 0;
    let hi = tailIdx.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tailIdx[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tailIdx[lo - 1]!;
    tailIdx[lo] = i;
  });
  const out = new Set<number>();
  let k = tailIdx[tailIdx.length - 1] ?? -1;
  while (k >= 0) {
    out.add(k);
    k = prev[k]!;
  }
  return out;
}

/** The shape of a sequence with movements and beats (our own seven sequences in `@self-healing/schemas`). */
export interface BeatSequenceLike {
  id: string;
  movements: ReadonlyArray<{ beats: ReadonlyArray<{ handler: string; event?: string }> }>;
}

/**
 * Declared sequences from movement/beat sequences: one step per beat, in beat order, named by its handler (or by
 * its event name with `by: 'event'`, when logs carry the beat's event rather than the handler).
 */
export function sequencesFromBeats(
  sequences: readonly BeatSequenceLike[],
  by: 'handler' | 'event' = 'handler',
): ExpectedSequence[] {
  return sequences.map((s) => ({
    id: s.id,
    steps: s.movements.flatMap((m) =>
      m.beats.map((b) => (by === 'event' ? (b.event ?? b.handler) : b.handler)),
    ),
  }));
}
