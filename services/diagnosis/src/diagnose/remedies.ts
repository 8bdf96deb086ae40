import { createHash } from 'node:crypto';
import type { PayloadOf } from '@self-healing/schemas';
import type { SuspectCommit } from './suspects.js';
import type { LocatedIssue, ScoredLine } from './types.js';
import { rateFor, signatureOfIssue, type RateCounts, type RemedyKind } from './learnedRates.js';

export type FixRecommendation = PayloadOf<'FixesRecommended'>['recommendations'][number];
type Strategy = FixRecommendation['strategy'];

export {
  PRIOR_SUCCESS,
  PRIOR_WEIGHT,
  type RemedyKind,
  type StrategyRecord,
  type RateCounts,
} from './learnedRates.js';

/**
 * Posterior mean success rate of a remedy kind: on a fault with these signature keys (`signatureOfIssue`), from the
 * outcomes learning.track measured, shrunk towards the more general levels and the prior (learnedRates.ts).
 */
export function successRate(
  kind: RemedyKind,
  learned: RateCounts,
  signatureKeys: readonly string[] = [],
): number {
  return rateFor(kind, signatureKeys, learned).mean;
}

/** An automatable remedy below this confidence goes to a person instead of to fix.generate. */
export const AUTOMATE_ABOVE = 0.3;

/** The remedy a diagnosis hands to fix.generate: the best-ranked automatable one likely enough; null for none. */
export function recommendedOf(recommendations: readonly FixRecommendation[]): FixRecommendation | null {
  return recommendations.find((r) => r.automatable && r.confidence >= AUTOMATE_ABOVE) ?? null;
}

export interface DiagnosedIssue extends LocatedIssue {
  id: string;
  confidence: number;
  suspects: SuspectCommit[];
  /** True when the suspects come from the commits between two deployments (a revert undoes the cause). */
  bounded: boolean;
  /** What Sentry's rule names for the same evidence (the baseline the bench compares with); null: nothing. */
  sentrySuspect: string | null;
}

const STRATEGY: Record<RemedyKind, Strategy> = {
  'revert-commit': 'revert_commit',
  'revert-hunks': 'code_change',
  guard: 'code_change',
  'missing-await': 'code_change',
  'restore-config': 'config_change',
  'add-test': 'add_test',
  'code-template': 'code_change',
  escalate: 'manual',
};

const AUTOMATABLE: Record<RemedyKind, boolean> = {
  'revert-commit': true,
  'revert-hunks': true,
  guard: true,
  'missing-await': true,
  'restore-config': true,
  'add-test': true,
  'code-template': true,
  escalate: false,
};

const CONFIG_PATH = /(^|\/)(config|settings|constants?|defaults?)(\.[a-z]+)?$|\.(json|ya?ml|toml|ini|env)$/i;

interface Candidate {
  kind: RemedyKind;
  summary: string;
  rationale: string;
  targets: Array<{ file: string; line: number | null; symbol: string | null }>;
  /** How well the evidence supports this remedy, in [0, 1], before its success rate. */
  fit: number;
  risk: FixRecommendation['risk'];
}

const target = (l: ScoredLine) => ({ file: l.path, line: l.line, symbol: l.symbol ?? null });

/** The remedies one issue admits, each with how well the evidence supports it. */
export function candidatesFor(issue: DiagnosedIssue): Candidate[] {
  const out: Candidate[] = [];
  const [top, second] = issue.suspects;
  const share = top ? top.score / issue.suspects.reduce((s, c) => s + c.score, 0) : 0;
  // And how much of the evidence it explains: its score against the strongest evidence line's. A commit that only
  // touched a far stack frame (the HTTP server's handler, frame 5) while the throwing line is as it was explains
  // little, however alone it is: by its share alone, a rare warning's incident reverted a logging change.
  const strongest = Math.max(0, ...issue.lines.map((l) => l.score));
  const support = top && strongest > 0 ? Math.min(1, top.score / strongest) : 0;
  const fitOfSuspect = issue.confidence * share * support;
  const sha7 = top?.sha.slice(0, 7);
  if (top && issue.bounded) {
    out.push({
      kind: 'revert-commit',
      summary: `Revert ${sha7} "${top.subject}"`,
      rationale:
        `${sha7} arrived between the last deployment without the symptom and the first with it and ${top.why}` +
        (second
          ? `; next suspect ${second.sha.slice(0, 7)} scores ${(second.score / top.score).toFixed(2)} of it.`
          : '.'),
      targets: issue.lines
        .filter((l) => l.why.includes(top.sha.slice(0, 7)))
        .slice(0, 10)
        .map(target),
      fit: fitOfSuspect,
      risk: top.lines > 20 ? 'medium' : 'low',
    });
  }
  const touched = top ? issue.lines.filter((l) => l.why.includes(top.sha.slice(0, 7))).slice(0, 10) : [];
  if (top && touched.length > 0) {
    out.push({
      kind: 'revert-hunks',
      summary: `Undo ${sha7}'s change on ${touched[0]!.path}:${touched[0]!.line}${touched.length > 1 ? ` and ${touched.length - 1} more line(s)` : ''}`,
      rationale: `Only the hunks of ${sha7} on the lines the evidence points at; the rest of the commit stays.`,
      targets: touched.map(target),
      fit: fitOfSuspect * 0.9,
      risk: 'low',
    });
    if (touched.some((l) => CONFIG_PATH.test(l.path.replace(/\.(ts|js|mjs|cjs)$/, '')))) {
      out.push({
        kind: 'restore-config',
        summary: `Restore the setting ${sha7} changed in ${touched[0]!.path}`,
        rationale: `${sha7} changed a configuration value on the evidence lines; the previous value ran without the symptom.`,
        targets: touched.map(target),
        fit: fitOfSuspect,
        risk: 'low',
      });
    }
  }
  const message = String(issue.evidence['errorTemplate'] ?? '');
  const at = issue.lines[0];
  if (issue.kind === 'error' && at) {
    if (
      /cannot read propert|undefined is not|null is not|of undefined|of null|is not a function|not iterable/i.test(
        message,
      )
    )
      out.push({
        kind: 'guard',
        summary: `Guard the missing value at ${at.path}:${at.line}`,
        rationale: `"${message}" is a missing value dereferenced at ${at.path}:${at.line}: a guard or a default there stops the error.`,
        targets: [target(at)],
        fit: issue.confidence * 0.7,
        risk: 'medium',
      });
    if (/unhandled|promise|await/i.test(message))
      out.push({
        kind: 'missing-await',
        summary: `Await the promise at ${at.path}:${at.line}`,
        rationale: `"${message}" is a promise left unhandled near ${at.path}:${at.line}.`,
        targets: [target(at)],
        fit: issue.confidence * 0.6,
        risk: 'medium',
      });
  }
  if (issue.kind !== 'coverage' && at)
    out.push({
      kind: 'code-template',
      summary: `Change the code at ${at.path}:${at.line}${at.symbol ? ` in ${at.symbol}` : ''} (a guard, a condition, a fallback)`,
      rationale:
        `The evidence points at ${at.path}:${at.line} (${at.why}); a template fix there does not undo anything else` +
        (top && issue.bounded
          ? ', unlike a revert.'
          : ', and no deployment window names a commit to revert.'),
      targets: issue.lines.slice(0, 5).map(target),
      // Without a commit to revert this is the remedy left to try; with one, the revert is likelier right.
      fit: issue.confidence * (top && issue.bounded ? 0.5 : 0.9),
      risk: 'medium',
    });
  if (issue.kind === 'coverage' && at)
    out.push({
      kind: 'add-test',
      summary: `Add a test that covers ${at.path}:${at.line}`,
      rationale:
        'Production runs this code and no test does: a regression test makes the next change there safe.',
      targets: [target(at)],
      fit: 0.8,
      risk: 'low',
    });
  out.push({
    kind: 'escalate',
    summary: `Escalate to the service's owners: ${issue.title}`,
    rationale:
      `${issue.hypothesis}` +
      (top ? ` Suspect: ${sha7} "${top.subject}" by ${top.author}.` : ' No suspect commit was found.'),
    targets: at ? [target(at)] : [],
    fit: 1,
    risk: 'low',
  });
  return out;
}

function idOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}

/**
 * Ranked remedies over all issues: confidence = how well the evidence supports the remedy x its success rate
 * (prior or learned). Escalation is ranked last among equals: it always works but fixes nothing by itself, so its
 * confidence is capped below any automatable remedy the evidence supports well.
 */
export function recommend(
  issues: readonly DiagnosedIssue[],
  learned: RateCounts = new Map(),
): FixRecommendation[] {
  return rankRemedies(issues, learned).map((r) => r.recommendation);
}

/**
 * The ranked remedies with the kind of each (fix.generate chooses its strategies by kind). The success rate of a
 * remedy is the one learned on faults like the issue's (its signature), so a remedy that failed on this kind of
 * fault drops below the next one while it keeps its rate on other faults.
 */
export function rankRemedies(
  issues: readonly DiagnosedIssue[],
  learned: RateCounts = new Map(),
): Array<{ recommendation: FixRecommendation; kind: RemedyKind }> {
  const scored = issues.flatMap((issue) => {
    const signature = signatureOfIssue(issue);
    return candidatesFor(issue).map((c) => {
      const rate = rateFor(c.kind, signature, learned);
      const confidence =
        c.kind === 'escalate' ? Math.min(0.3, rate.mean * (1 - issue.confidence)) : c.fit * rate.mean;
      return { issue, c, rate, confidence: Math.max(0, Math.min(1, confidence)) };
    });
  });
  scored.sort(
    (a, b) =>
      b.confidence - a.confidence || a.c.kind.localeCompare(b.c.kind) || a.issue.id.localeCompare(b.issue.id),
  );
  return scored.map(({ issue, c, rate, confidence }, i) => ({
    kind: c.kind,
    recommendation: {
      id: idOf(issue.id, c.kind, ...c.targets.map((t) => `${t.file}:${t.line}`)),
      issueId: issue.id,
      rank: i + 1,
      strategy: STRATEGY[c.kind],
      summary: c.summary,
      rationale: `${c.rationale} [${c.kind}; success rate ${(rate.mean * 100).toFixed(0)} %${rate.samples > 0 ? `, learned from ${rate.samples} outcome(s) on ${rate.level === '*' ? 'all faults' : rate.level}` : ', prior'}]`,
      targets: c.targets,
      confidence,
      risk: c.risk,
      automatable: AUTOMATABLE[c.kind],
    },
  }));
}
