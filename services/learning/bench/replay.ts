import { prng } from '@self-healing/target';
import { rankRemedies } from '@self-healing/diagnosis';
import {
  signatureOfIssue,
  withOutcome,
  type RateCounts,
  type RemedyKind,
} from '../src/models/strategyRates.js';
import type { FaultType } from './faults.js';

/** Seeded uniform numbers in [0, 1): the same seed replays the same incidents and outcomes (the traffic's mulberry32). */
export const random = prng;

export interface Truth {
  /** Success probability of a remedy that fixes the fault (the rest is noise: a flaky check, a second fault). */
  works: number;
  /** Success probability of one that does not (the symptom went away by itself). */
  other: number;
}

/** One incident: its fault, its issue, and the one uniform draw every policy's outcome on it is decided by. */
export interface Incident {
  fault: FaultType;
  issue: ReturnType<FaultType['issue']>;
  draw: number;
}

export function incidents(faults: readonly FaultType[], count: number, seed: number): Incident[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const fault = faults[Math.floor(rand() * faults.length)]!;
    return { fault, issue: fault.issue(i, rand), draw: rand() };
  });
}

/** Whether a remedy fixed the incident. Common random numbers: every policy faces the same luck on an incident. */
export const fixed = (incident: Incident, kind: RemedyKind, truth: Truth): boolean =>
  incident.draw < (incident.fault.works.includes(kind) ? truth.works : truth.other);

/** The remedy the platform would deploy: the best ranked one a fix can be generated for (not escalation). */
export function topRemedy(incident: Incident, counts: RateCounts): RemedyKind {
  const ranked = rankRemedies([incident.issue], counts).filter((r) => r.recommendation.automatable);
  if (!ranked[0]) throw new Error(`no automatable remedy for ${incident.fault.name}`);
  return ranked[0].kind;
}

export interface Step {
  fault: string;
  chosen: RemedyKind;
  right: boolean;
  success: boolean;
}

export type Policy = 'learning' | 'priors' | 'oracle';

/**
 * Replays the incidents in order under a policy: `learning` ranks with the counts of every earlier outcome (what
 * learning.track writes and diagnosis reads), `priors` with none, `oracle` deploys a remedy that works.
 */
export function replay(list: readonly Incident[], policy: Policy, truth: Truth): Step[] {
  let counts: RateCounts = new Map();
  return list.map((incident) => {
    const chosen = policy === 'oracle' ? incident.fault.works[0]! : topRemedy(incident, counts);
    const success = fixed(incident, chosen, truth);
    if (policy === 'learning')
      counts = withOutcome(counts, {
        remedyKind: chosen,
        signatureKeys: signatureOfIssue(incident.issue),
        success,
      });
    return { fault: incident.fault.name, chosen, right: incident.fault.works.includes(chosen), success };
  });
}

/**
 * Per fault: how many of its incidents came before the top remedy was one that works and stayed so to the end
 * (null: it never settled), and the failures.
 */
export function perFault(
  steps: readonly Step[],
): Map<string, { incidents: number; toLearn: number | null; failures: number }> {
  const out = new Map<string, { incidents: number; toLearn: number | null; failures: number }>();
  const byFault = new Map<string, Step[]>();
  for (const s of steps) byFault.set(s.fault, [...(byFault.get(s.fault) ?? []), s]);
  for (const [fault, list] of byFault) {
    let lastWrong = -1;
    list.forEach((s, i) => {
      if (!s.right) lastWrong = i;
    });
    out.set(fault, {
      incidents: list.length,
      toLearn: lastWrong === list.length - 1 ? null : lastWrong + 1,
      failures: list.filter((s) => !s.success).length,
    });
  }
  return out;
}

/**
 * The loop closing: after a remedy that does not work failed, did the next incident of the same fault get another
 * remedy first? And the other side: after a working remedy failed by bad luck, did the next one abandon it?
 */
export function afterFailures(steps: readonly Step[]): {
  wrongFailed: number;
  switched: number;
  rightFailed: number;
  abandoned: number;
} {
  const out = { wrongFailed: 0, switched: 0, rightFailed: 0, abandoned: 0 };
  const last = new Map<string, Step>();
  for (const s of steps) {
    const before = last.get(s.fault);
    if (before && !before.success) {
      const moved = s.chosen !== before.chosen;
      if (before.right) {
        out.rightFailed++;
        if (moved) out.abandoned++;
      } else {
        out.wrongFailed++;
        if (moved) out.switched++;
      }
    }
    last.set(s.fault, s);
  }
  return out;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
