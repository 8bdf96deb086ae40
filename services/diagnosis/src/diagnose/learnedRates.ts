import { createHash } from 'node:crypto';
import { betaQuantile } from './beta.js';
import type { LocatedIssue } from './types.js';

/**
 * Success rates of remedies as Beta posteriors per (remedy kind, fault signature), written by learning.track from
 * measured outcomes and read by the ranking here. Pure: the counts come in as a map, keyed like the documents of
 * `learning_strategy_rates` (`rateKey`), so learning.track, this stage and the learning bench share one model.
 */

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

export const REMEDY_KINDS = Object.keys(PRIOR_SUCCESS) as RemedyKind[];

/** Weight of the prior, in observations: with fewer measured outcomes than this, the prior dominates. */
export const PRIOR_WEIGHT = 5;

/**
 * Weight, in observations, of a more general level's rate as the prior of a more specific one. Small, because the
 * point of a signature is that it may behave unlike the rest: after two failures of a remedy on one kind of fault,
 * that fault's own outcomes outweigh everything learned elsewhere (bench:learning shows the cost in noise).
 */
export const LEVEL_WEIGHT = 2;

/** Measured outcomes of a remedy kind, overall or on one signature level (written by learning.track). */
export interface StrategyRecord {
  attempts: number;
  successes: number;
}

/** Counts by `rateKey(kind, key)`. */
export type RateCounts = ReadonlyMap<string, StrategyRecord>;

/** The `_id` of a rate document: the kind alone for all faults (what the first version read), else `kind|key`. */
export const rateKey = (kind: RemedyKind, signatureKey?: string): string =>
  signatureKey === undefined ? kind : `${kind}|${signatureKey}`;

// ---- fault signatures --------------------------------------------------------------------------------------------

export interface FaultSignatureInput {
  findingKind: string;
  /** `TypeError`, `ECONNREFUSED`, ...; null when the evidence names none. */
  errorType?: string | null;
  /** The innermost frame of the repository's code on the stack (or the best located line). */
  topFrame?: { path: string; fn?: string | null } | null;
}

const MAX_PATH = 120;
const MAX_NAME = 80;

/** Text bounded to `max` characters; a cut one ends in a hash of the whole, so two long names stay apart. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${text.slice(0, max - 9)}~${hash}`;
}

/** Characters a signature key keeps; the rest (separators of the key among them) become `_`. */
const keep = (text: string, allowed: RegExp): string => text.replace(allowed, '_');

/**
 * A repository-relative path from what a stack or a log said: no scheme, no line or column, no `.`/`..`, no
 * absolute prefix (an absolute path keeps its last three segments: the machine's layout is no part of the fault).
 */
export function normalizeFramePath(raw: string): string {
  let p = String(raw).slice(0, 1000).replace(/\\/g, '/');
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('/') || /^[a-z]:\//i.test(p);
  p = p.replace(/^[a-z][a-z0-9+.-]*:\/+/i, '').replace(/(:\d+)+$/, '');
  let segments = p.split('/').filter((s) => s !== '' && s !== '.' && s !== '..' && !/^[a-z]:$/i.test(s));
  if (absolute) segments = segments.slice(-3);
  const path = segments.map((s) => keep(s, /[^\w.$@+-]/g)).join('/');
  return bounded(path, MAX_PATH);
}

const normalizeName = (raw: string): string =>
  bounded(
    keep(
      String(raw)
        .slice(0, 500)
        .replace(/^(async|new)\s+/, '')
        .trim(),
      /[^\w.$<>]/g,
    ),
    MAX_NAME,
  );

const ERROR_TYPE = /^[A-Za-z_$][\w$.]{0,59}$/;

/**
 * Keys of a fault from the general to the specific: the finding kind, its error type, the file of the innermost
 * frame, its function. E.g. ['error', 'error:TypeError', 'error:TypeError@src/shipping/labels.ts',
 * 'error:TypeError@src/shipping/labels.ts#formatAddress']. A level the evidence does not know is left out. The text
 * comes from the application (messages, stacks): it only ever becomes a key string, cleaned and bounded.
 */
export function faultSignature(input: FaultSignatureInput): string[] {
  const kind = /^[a-z_-]{1,20}$/.test(input.findingKind) ? input.findingKind : 'unknown';
  const keys = [kind];
  let last = kind;
  const type = input.errorType?.trim();
  if (type && ERROR_TYPE.test(type)) keys.push((last = `${kind}:${type}`));
  const path = input.topFrame ? normalizeFramePath(input.topFrame.path) : '';
  if (path) {
    keys.push((last = `${last}@${path}`));
    const fn = input.topFrame?.fn ? normalizeName(input.topFrame.fn) : '';
    if (fn && !/^_*$/.test(fn)) keys.push(`${last}#${fn}`);
  }
  return keys;
}

const V8_MESSAGES: Array<[RegExp, string]> = [
  [
    /cannot read propert|cannot set propert|is not a function|is not iterable|is not a constructor|undefined is not|null is not|cannot destructure|of undefined|of null/i,
    'TypeError',
  ],
  [/\bis not defined\b|before initiali[sz]ation/i, 'ReferenceError'],
  [/maximum call stack|invalid array length|invalid string length|out of range/i, 'RangeError'],
  [/unexpected token|unexpected end of (json|input)|is not valid json/i, 'SyntaxError'],
  [/unhandled (promise )?rejection/i, 'UnhandledRejection'],
];

/**
 * The error's type from its mined message: a named `...Error`/`...Exception`, a Node system code (`ECONNREFUSED`),
 * else the type V8 gives its well-known messages (a mined template often drops the `TypeError: ` prefix).
 */
export function errorTypeOf(message: string): string | null {
  const text = String(message).slice(0, 2000);
  const named = /\b([A-Z][\w$]{0,50}(?:Error|Exception))\b/.exec(text);
  if (named) return named[1]!;
  const code = /\b(E[A-Z]{3,15})\b/.exec(text);
  if (code) return code[1]!;
  for (const [pattern, type] of V8_MESSAGES) if (pattern.test(text)) return type;
  return null;
}

/**
 * Lines of an issue the signature reads: the diagnosis document keeps an issue's best 50 lines, and learning.track
 * derives the signature from that document, so both must see the same lines.
 */
export const SIGNATURE_LINES = 50;

/**
 * The signature of a diagnosed issue: its kind, the error type its message names, and the innermost frame (else
 * its best line) with the function around it, i.e. the symbol of the nearest line of the same file that has one.
 */
export function signatureOfIssue(
  issue: Pick<LocatedIssue, 'kind' | 'evidence' | 'lines' | 'innermostFrame'>,
): string[] {
  const lines = issue.lines.slice(0, SIGNATURE_LINES);
  const message = issue.evidence['errorTemplate'];
  const errorType = issue.kind === 'error' && typeof message === 'string' ? errorTypeOf(message) : null;
  const at = issue.innermostFrame ?? lines[0];
  let fn: string | null = null;
  if (at) {
    let best = Infinity;
    for (const l of lines) {
      if (l.path !== at.path || !l.symbol) continue;
      const distance = Math.abs(l.line - at.line);
      if (distance < best) [best, fn] = [distance, l.symbol];
    }
  }
  return faultSignature({
    findingKind: issue.kind,
    errorType,
    topFrame: at ? { path: at.path, fn } : null,
  });
}

// ---- posteriors -----------------------------------------------------------------------------------------------------

export interface LearnedRate {
  /** Posterior mean success rate. */
  mean: number;
  /** One-sided 95 % credible lower bound: the 5 % quantile of the posterior Beta. */
  lower95: number;
  /** Measured outcomes at `level`. */
  samples: number;
  /** The most specific level with measured outcomes (a signature key, `*` for all faults), or `prior`. */
  level: string;
  alpha: number;
  beta: number;
}

function countsAt(counts: RateCounts, key: string): StrategyRecord {
  const r = counts.get(key);
  const attempts = r && Number.isFinite(r.attempts) ? Math.max(0, Math.floor(r.attempts)) : 0;
  const successes = r && Number.isFinite(r.successes) ? Math.max(0, Math.floor(r.successes)) : 0;
  return { attempts, successes: Math.min(successes, attempts) };
}

/**
 * The success rate of a remedy kind on a fault with these signature keys (general first), with hierarchical
 * shrinkage: PRIOR_SUCCESS is the prior of the all-faults level (PRIOR_WEIGHT observations), whose posterior is the
 * prior of the first signature level (LEVEL_WEIGHT observations), and so on to the most specific. Each level's
 * update uses only the outcomes not in the next, more specific level (its counts minus the next one's), so every
 * outcome enters the posterior once; without counts the rate is the prior, as before signatures existed.
 */
export function rateFor(kind: RemedyKind, signatureKeys: readonly string[], counts: RateCounts): LearnedRate {
  const levels = [rateKey(kind), ...signatureKeys.map((k) => rateKey(kind, k))];
  const at = levels.map((k) => countsAt(counts, k));
  let mean = PRIOR_SUCCESS[kind];
  let alpha = mean * PRIOR_WEIGHT;
  let beta = (1 - mean) * PRIOR_WEIGHT;
  let level = 'prior';
  let samples = 0;
  for (let i = 0; i < at.length; i++) {
    const here = at[i]!;
    const next = at[i + 1] ?? { attempts: 0, successes: 0 };
    // Counts written at different moments may disagree for a while (a crash between two documents): never negative.
    const attempts = Math.max(0, here.attempts - next.attempts);
    const successes = Math.min(attempts, Math.max(0, here.successes - next.successes));
    const weight = i === 0 ? PRIOR_WEIGHT : LEVEL_WEIGHT;
    alpha = successes + weight * mean;
    beta = attempts - successes + weight * (1 - mean);
    mean = alpha / (alpha + beta);
    if (here.attempts > 0) {
      level = i === 0 ? '*' : signatureKeys[i - 1]!;
      samples = here.attempts;
    }
  }
  return { mean, lower95: betaQuantile(0.05, alpha, beta), samples, level, alpha, beta };
}
