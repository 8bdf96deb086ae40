import { createHash } from 'node:crypto';
import type { PayloadOf } from '@self-healing/schemas';
import type { SuspectCommit } from './suspects.js';
import type { LocatedIssue, ScoredLine } from './types.js';

export type FixRecommendation = PayloadOf<'FixesRecommended'>['recommendations'][number];
type Strategy = FixRecommendation['strategy'];

/**
 * Remedy kinds, finer than the contract's strategies: a whole revert and a revert of only the hunks on the suspect
 * lines are both `revert_commit`/`code_change` to fix.generate, but they succeed at different rates.
 */
export type RemedyKind =
  | 'revert-commit'
  | 'revert-hunks'
  | 'guard'
  | 'missing-await'
  | 'restore-config'
  | 'add-test'
  | 'code-template'
  | 'escalate';

/**
 * Prior success rates per remedy kind, used until learning.track has measured enough outcomes. They encode what
 * the literature on automated repair and on rollbacks reports in rough terms: reverting the commit that brought a
 * regression almost always removes it (but also removes the feature), a partial revert a little less often, template
 * patches (guards, awaits) fix a minority of the faults they are tried on, and a person always can.
 */
export const PRIOR_SUCCESS: Record<RemedyKind, number> = {
  'revert-commit': 0.85,
  'revert-hunks': 0.7,
  guard: 0.4,
  'missing-await': 0.45,
  'restore-config': 0.6,
  'add-test': 0.75,
  // A change of the code at the evidence (a guard, a condition, a fallback) chosen by fix.generate's templates:
  // template repair fixes a minority of the faults it is tried on (TBar: 11 % of Defects4J correctly).
  'code-template': 0.3,
  escalate: 0.95,
};

/** Weight of the prior, in observations: with fewer measured outcomes than this, the prior dominates. */
export const PRIOR_WEIGHT = 5;

/** Measured outcomes of a remedy kind (written by learning.track). */
export interface StrategyRecord {
  attempts: number;
  successes: number;
}

/** Posterior mean success rate: the prior as PRIOR_WEIGHT pseudo-observations plus the measured outcomes. */
export function successRate(kind: RemedyKind, learned: ReadonlyMap<string, StrategyRecord>): number {
  const r = learned.get(kind);
  const prior = PRIOR_SUCCESS[kind];
  if (!r || r.attempts <= 0) return prior;
  return (r.successes + prior * PRIOR_WEIGHT) / (r.attempts + PRIOR_WEIGHT);
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
      fit: issue.confidence * share,
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
      fit: issue.confidence * share * 0.9,
      risk: 'low',
    });
    if (touched.some((l) => CONFIG_PATH.test(l.path.replace(/\.(ts|js|mjs|cjs)$/, '')))) {
      out.push({
        kind: 'restore-config',
        summary: `Restore the setting ${sha7} changed in ${touched[0]!.path}`,
        rationale: `${sha7} changed a configuration value on the evidence lines; the previous value ran without the symptom.`,
        targets: touched.map(target),
        fit: issue.confidence * share,
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
  learned: ReadonlyMap<string, StrategyRecord> = new Map(),
): FixRecommendation[] {
  return rankRemedies(issues, learned).map((r) => r.recommendation);
}

/** The ranked remedies with the kind of each (fix.generate chooses its strategies by kind). */
export function rankRemedies(
  issues: readonly DiagnosedIssue[],
  learned: ReadonlyMap<string, StrategyRecord> = new Map(),
): Array<{ recommendation: FixRecommendation; kind: RemedyKind }> {
  const scored = issues.flatMap((issue) =>
    candidatesFor(issue).map((c) => {
      const rate = successRate(c.kind, learned);
      const confidence = c.kind === 'escalate' ? Math.min(0.3, rate * (1 - issue.confidence)) : c.fit * rate;
      return { issue, c, rate, confidence: Math.max(0, Math.min(1, confidence)) };
    }),
  );
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
      rationale: `${c.rationale} [${c.kind}; success rate ${(rate * 100).toFixed(0)} %${learned.has(c.kind) ? ', learned' : ', prior'}]`,
      targets: c.targets,
      confidence,
      risk: c.risk,
      automatable: AUTOMATABLE[c.kind],
    },
  }));
}
