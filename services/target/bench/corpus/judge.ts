/**
 * How the corpus bench judges one fault, after the fact: the platform never sees the truth file, the bench reads it
 * only to say whether what the platform found after the deploy is the symptom the fault was meant to show.
 *
 * The truth's symptom names a detector family of anomaly-detect: an `error` fault must show as an error finding
 * (burst, new error template), `latency` as a performance finding, `behaviour` as a behavioural finding (a step
 * missing or out of order), `coverage` as a coverage finding. Findings of another family after the deploy are
 * reported as "seen instead": a real signal, but not the intended one.
 */

export type Symptom = 'error' | 'latency' | 'behaviour' | 'coverage';
export type FindingKind = 'performance' | 'behavioral' | 'coverage' | 'error';

export const detectorOf: Record<Symptom, FindingKind> = {
  error: 'error',
  latency: 'performance',
  behaviour: 'behavioral',
  coverage: 'coverage',
};

/** What the bench keeps of a stored finding (anomaly_findings), plus when the bench first saw it stored. */
export interface ObservedFinding {
  id: string;
  kind: FindingKind;
  rule: string;
  service: string;
  subject: string;
  since: number;
  at: number;
  explanation: string;
  /** Wall-clock time (epoch ms) at which the bench first read this finding from the store. */
  firstSeenAt: number;
  incidentId: string | null;
}

export interface FaultTruth {
  id: string;
  kind: string;
  symptom: Symptom;
  routes: string[];
  /** The fault's log templates in Drain notation (`<*>` for a variable): where its symptom should show. */
  logTemplates?: string[];
}

/** Every quoted template of an explanation (a behavioural finding names the expected and the observed steps). */
export function templatesOfExplanation(explanation: string): string[] {
  return [...explanation.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/** The first quoted template a finding's explanation names, if any (`... "cart <*> added sku=<*>" rose to ...`). */
export function templateOfExplanation(explanation: string): string | null {
  return templatesOfExplanation(explanation)[0] ?? null;
}

/**
 * Same template up to variables: tokens pair up equal unless either holds a `<*>` (the platform's miner and the
 * corpus's author may cut variables differently, e.g. `SKU-<*>` against `<*>`), and a token that is `<*>` alone
 * may stand for several (a truth's `unhandled error in POST /checkout: <*>` covers any message).
 */
export function sameTemplate(a: string, b: string): boolean {
  const ta = a.trim().split(/\s+/);
  const tb = b.trim().split(/\s+/);
  const memo = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    if (i === ta.length || j === tb.length) return i === ta.length && j === tb.length;
    const key = i * (tb.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const x = ta[i]!;
    const y = tb[j]!;
    const pair = (x === y || x.includes('<*>') || y.includes('<*>')) && from(i + 1, j + 1);
    const result = pair || (x === '<*>' && from(i, j + 1)) || (y === '<*>' && from(i + 1, j));
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}

export interface FaultVerdict {
  fault: string;
  kind: string;
  expectedSymptom: Symptom;
  expectedDetector: FindingKind;
  seen: boolean;
  /** `<kind>/<rule>` of the first matching finding, null when missed. */
  detector: string | null;
  subject: string | null;
  /** From the faulty release taking traffic to the finding being stored (what an operator would wait). */
  secondsAfterDeploy: number | null;
  incidentId: string | null;
  explanation: string | null;
  /**
   * The matching finding names one of the fault's own log templates (truth.logTemplates): strong evidence it is
   * the fault and not a side effect of the deploy itself (restarted processes, reset state). null: no template
   * in the finding's explanation or none in the truth.
   */
  onFaultTemplate: boolean | null;
  /** Findings of other families after the deploy (for a miss: what was seen instead). */
  seenInstead: Array<{ detector: string; subject: string; secondsAfterDeploy: number; explanation: string }>;
  /** Findings on the healthy release during the warm-up: false alarms of this run. */
  warmupFindings: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Judges one fault from the findings of the fault's service. A finding belongs to the faulty release when its
 * anomaly began at or after the deploy (`since >= deployedAt - slackMs`: the aggregation window the switch fell in
 * may start a little before it); earlier ones are warm-up noise.
 */
export function judgeFault(
  truth: FaultTruth,
  findings: readonly ObservedFinding[],
  deployedAt: number,
  slackMs: number,
): FaultVerdict {
  const expectedDetector = detectorOf[truth.symptom];
  const after = findings
    .filter((f) => f.since >= deployedAt - slackMs)
    .sort((a, b) => a.firstSeenAt - b.firstSeenAt || a.since - b.since || a.id.localeCompare(b.id));
  // Of the intended family's findings, one that names the fault's own log templates is the better evidence (an
  // unrelated finding of the same family may come first: a deploy moves other series too).
  const family = after.filter((f) => f.kind === expectedDetector);
  const match = family.find((f) => onFaultTemplate(truth, f) === true) ?? family[0] ?? null;
  const seconds = (f: ObservedFinding) => round1(Math.max(0, f.firstSeenAt - deployedAt) / 1000);
  return {
    fault: truth.id,
    kind: truth.kind,
    expectedSymptom: truth.symptom,
    expectedDetector,
    seen: match !== null,
    detector: match ? `${match.kind}/${match.rule}` : null,
    subject: match?.subject ?? null,
    secondsAfterDeploy: match ? seconds(match) : null,
    incidentId: match?.incidentId ?? null,
    explanation: match?.explanation ?? null,
    onFaultTemplate: onFaultTemplate(truth, match),
    seenInstead: after
      .filter((f) => f.kind !== expectedDetector)
      .map((f) => ({
        detector: `${f.kind}/${f.rule}`,
        subject: f.subject,
        secondsAfterDeploy: seconds(f),
        explanation: f.explanation.slice(0, 200),
      })),
    warmupFindings: findings.length - after.length,
  };
}

function onFaultTemplate(truth: FaultTruth, f: ObservedFinding | null): boolean | null {
  const templates = f ? templatesOfExplanation(f.explanation) : [];
  if (templates.length === 0 || !truth.logTemplates?.length) return null;
  return truth.logTemplates.some((t) => templates.some((named) => sameTemplate(t, named)));
}

export interface BenchTotals {
  faults: number;
  seen: number;
  ratio: number;
  /** Seen by a finding that names one of the fault's own log templates: the stricter count. */
  seenOnFaultTemplate: number;
}

export function totalsOf(verdicts: readonly Pick<FaultVerdict, 'seen' | 'onFaultTemplate'>[]): BenchTotals {
  const seen = verdicts.filter((v) => v.seen).length;
  return {
    faults: verdicts.length,
    seen,
    ratio: verdicts.length ? Math.round((seen / verdicts.length) * 1000) / 1000 : 0,
    seenOnFaultTemplate: verdicts.filter((v) => v.seen && v.onFaultTemplate === true).length,
  };
}

/** Why a fault was missed, in one line, from its verdict (the truth's symptom against what the platform saw). */
export function missReason(v: FaultVerdict): string {
  const instead = v.seenInstead.length
    ? `seen instead: ${[...new Set(v.seenInstead.map((s) => `${s.detector} on ${s.subject}`))].slice(0, 5).join('; ')}`
    : 'no finding of any detector after the deploy';
  if (v.expectedSymptom === 'coverage')
    return `a coverage symptom (tests deleted) is not in the runtime telemetry; it needs a coverage report of the release (COVERAGE_REPORT). ${instead}`;
  return `no ${v.expectedDetector} finding within the observation window; ${instead}`;
}

/** HTTP answers on the fault's routes in one phase of the run: did the traffic reach and trigger the fault? */
export interface RouteTally {
  requests: number;
  /** Answers the scenario did not expect (a 500 where a 400 was due, a timeout, ...). */
  unexpected: number;
  byStatus: Record<string, number>;
  p95Ms: number;
}

/** `POST /cart/:id/items` matches `POST /cart/{cart}/items` as the traffic driver reports it. */
export function routeMatcher(routes: readonly string[]): (method: string, path: string) => boolean {
  const patterns = routes.map((r) => {
    const [method, path = ''] = r.split(' ');
    const body = path
      .split('/')
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return { method, re: new RegExp(`^${body}(?:\\?.*)?$`) };
  });
  return (method, path) => patterns.some((p) => p.method === method && p.re.test(path));
}

export function tallyRoutes(
  results: ReadonlyArray<{
    method: string;
    route: string;
    status: number;
    expected: boolean;
    latencyMs: number;
  }>,
  routes: readonly string[],
): RouteTally {
  const matches = routeMatcher(routes);
  const mine = results.filter((r) => matches(r.method, r.route));
  const byStatus: Record<string, number> = {};
  for (const r of mine) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const lat = mine.map((r) => r.latencyMs).sort((a, b) => a - b);
  const p95 = lat.length ? lat[Math.min(lat.length - 1, Math.ceil(0.95 * lat.length) - 1)]! : 0;
  return {
    requests: mine.length,
    unexpected: mine.filter((r) => !r.expected).length,
    byStatus,
    p95Ms: Math.round(p95),
  };
}
