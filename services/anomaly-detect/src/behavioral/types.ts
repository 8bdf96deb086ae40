import type { TemplatedEvent } from '@self-healing/schemas';

export type BehavioralRule =
  'missing-step' | 'unexpected-step' | 'step-out-of-order' | 'repeated-step' | 'unseen-template';

/**
 * One execution of a step inside a session. A step usually logs several lines (start, warnings, completion), so
 * consecutive events with the same step key form one occurrence; a new occurrence of the same step starts when
 * the occurrence's opening template recurs (a retry logs its opening line again).
 */
export interface StepOccurrence {
  step: string;
  openingTemplateId: string;
  templateIds: string[];
  start: number;
  end: number;
}

/** Why a session was considered complete. `drain` means the input ended: trailing steps may simply not have come yet. */
export type CloseReason = 'terminal' | 'timeout' | 'drain' | 'overflow';

export interface ClosedSession {
  key: string;
  service: string;
  traceId: string | null;
  start: number;
  end: number;
  reason: CloseReason;
  occurrences: StepOccurrence[];
  events: TemplatedEvent[];
}

/** A conformance violation before it becomes a `Finding`: what was expected, what was observed. */
export interface Violation {
  rule: BehavioralRule;
  step: string;
  expected: string;
  observed: string;
  /** Index of the occurrence the violation is about, or -1 when it is about a step that never occurred. */
  position: number;
  at: number;
  templateIds: string[];
  /** Size comparable within a rule: surprise in bits for the learned model, occurrences for repeats, 1 otherwise. */
  magnitude: number;
  /** Id of the declared sequence the session was compared with, or `learned`. */
  model: string;
}

/** A model the session is compared with. */
export interface SequenceModel {
  /** Step key of an event, or null when the event is not a step of any flow (it is then ignored for ordering). */
  stepOf(event: TemplatedEvent): string | null;
  /** True when the step ends its flow, so the session can be closed without waiting for the timeout. */
  isTerminal(step: string): boolean;
  /** True once the model knows enough to judge (a learned model needs normal traffic first). */
  ready(): boolean;
  check(session: ClosedSession): Violation[];
  learn(session: ClosedSession): void;
  /** The session's transitions between steps the model knows, with their index in its path. */
  transitionsOf?(session: ClosedSession): Array<{ index: number; from: string; to: string }>;
  /**
   * A transition seen too seldom to call common, while the model has seen its source too little to call it rare
   * (one session cannot be judged; many in a short time can: see the detector's flow windows).
   */
  unproven?(from: string, to: string): boolean;
  /** The source steps of the session's transitions, one per transition (what flow windows count against). */
  sourcesOf?(session: ClosedSession): string[];
  /** The most a transition's probability can be, at 95 % confidence, from what the model has seen. */
  upperBound?(from: string, to: string): number;
  /** The violation the transition at `index` of the session would be, explained as `check` explains it. */
  violationAt?(session: ClosedSession, index: number): Violation;
}
