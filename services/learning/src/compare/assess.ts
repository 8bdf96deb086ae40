import type { SeriesComparison } from './series.js';

export type Outcome = 'resolved' | 'improved' | 'no_change' | 'regressed';

export interface Reason {
  code: string;
  message: string;
  field: string | null;
}

export interface Improvement {
  /** In [-1, 1]: 1 every finding back to its baseline, -1 every one worse. */
  score: number;
  cleared: number;
  remaining: number;
}

/** Each finding's share of the score: back to baseline 1, better but not back 0.5, unchanged 0, worse -1. */
export function improvementOf(comparisons: readonly SeriesComparison[]): Improvement {
  if (comparisons.length === 0) return { score: 0, cleared: 0, remaining: 0 };
  const points: number[] = comparisons.map((c) =>
    c.verdict === 'regressed' ? -1 : c.backToBaseline ? 1 : c.verdict === 'improved' ? 0.5 : 0,
  );
  const cleared = comparisons.filter((c) => c.backToBaseline && c.verdict !== 'regressed').length;
  return {
    score: points.reduce((a, b) => a + b, 0) / points.length,
    cleared,
    remaining: comparisons.length - cleared,
  };
}

export interface Assessment {
  outcome: Outcome;
  confidence: number;
  reasons: Reason[];
  /** The fix made something worse in production and still serves: roll it back. */
  rollbackRecommended: boolean;
}

/** What `countsAgainstFix` reads of a finding. */
export interface LaterFinding {
  kind: string;
  rule: string;
  evidence?: Record<string, unknown>;
}

/** The behavioural rules that judge one session's flow (a step out of order, missing, unexpected, repeated). */
export const SESSION_RULES: ReadonlySet<string> = new Set([
  'step-out-of-order',
  'missing-step',
  'unexpected-step',
  'repeated-step',
]);

/**
 * Whether a finding that appeared on the service after a fix deployed is evidence the fix made something worse. One
 * session's odd path (a step missing, unexpected or out of order in that session alone) is not: a shopper who gave up,
 * a request cut by an instance restarting; and rolling back a fix whose every series went back to baseline for one
 * such session undoes a good fix (seen under chaos). A changed flow that many sessions share is reported by the flow
 * windows (`flowWindowSessions`), and counts, as do new errors, latency and rate findings.
 */
export function countsAgainstFix(f: LaterFinding): boolean {
  const oneSession = f.kind === 'behavioral' && SESSION_RULES.has(f.rule);
  return !oneSession || typeof f.evidence?.['flowWindowSessions'] === 'number';
}

/**
 * The outcome of a fix from its findings' comparisons: resolved when every finding is back to its baseline and
 * nothing new appeared; regressed when any got significantly worse (or new findings appeared on the service);
 * improved when some moved towards the baseline; no change otherwise. Confidence is the share of findings whose
 * series had enough data, times how decisive their tests were.
 */
export function assess(comparisons: readonly SeriesComparison[], newFindings: number): Assessment {
  const reasons: Reason[] = [];
  const worse = comparisons.filter((c) => c.verdict === 'regressed');
  const back = comparisons.filter((c) => c.backToBaseline && c.verdict !== 'regressed');
  const better = comparisons.filter((c) => c.verdict === 'improved');
  for (const c of worse) reasons.push({ code: 'series-regressed', message: c.reason, field: c.metric });
  if (newFindings > 0)
    reasons.push({
      code: 'new-findings',
      message: `${newFindings} new finding(s) on the service after the deployment`,
      field: null,
    });
  let outcome: Outcome;
  if (comparisons.length === 0) {
    outcome = 'no_change';
    reasons.push({
      code: 'nothing-to-compare',
      message: 'no series of the incident had telemetry to compare',
      field: null,
    });
  } else if (worse.length > 0 || newFindings > 0) outcome = 'regressed';
  else if (back.length === comparisons.length) outcome = 'resolved';
  else if (better.length > 0 || back.length > 0) outcome = 'improved';
  else outcome = 'no_change';
  if (outcome === 'resolved')
    reasons.push({
      code: 'back-to-baseline',
      message: `all ${back.length} series back to their baseline`,
      field: null,
    });
  if (outcome === 'improved')
    reasons.push({
      code: 'partly-better',
      message: `${back.length} of ${comparisons.length} series back to baseline, ${better.length} significantly better`,
      field: null,
    });
  if (outcome === 'no_change')
    for (const c of comparisons) reasons.push({ code: 'unchanged', message: c.reason, field: c.metric });
  const sufficient = comparisons.filter((c) => c.sufficient);
  const decisive = sufficient.map((c) => 1 - Math.min(1, c.p));
  const confidence =
    comparisons.length === 0
      ? 0
      : (sufficient.length / comparisons.length) *
        (decisive.reduce((a, b) => a + b, 0) / Math.max(1, decisive.length));
  return { outcome, confidence, reasons, rollbackRecommended: outcome === 'regressed' };
}
