/**
 * How the diagnosis bench judges one fault, after the run: the diagnosis stage never sees the truth, the bench reads
 * it only here, against the `diagnoses` documents the stage stored for the fault's incidents (issue 11's targets:
 * suspect commit top-1, fault file top-1, a fault line in the top 5, and Sentry's rule on the same faults).
 *
 * Which diagnosis speaks for a fault: the one of the incident the detector verdict attributed (the incident holding
 * the finding of the fault's own symptom). When the verdict has no incident, or its incident has no diagnosis, the
 * diagnoses of every incident opened after the deploy stand in, and the report says so (`source`). Among the chosen
 * diagnoses, the top issue is the one of highest confidence (ties: the attributed incident, then the earlier
 * incident): what `healctl incidents show` would put first.
 */

/** What the bench reads of a stored diagnosis (services/diagnosis/src/beats/storeDiagnosis.ts). */
export interface StoredDiagnosis {
  diagnosisId: string;
  incidentId: string;
  incidentVersion: number;
  /** The deployed (bad) commit and the last good one the stage found in the deployment records. */
  codebase: { bad: string; good: string | null } | null;
  issues: StoredIssue[];
}

export interface StoredIssue {
  kind: string;
  title?: string;
  confidence: number;
  /** Best first. */
  lines: Array<{ path: string; line: number; score: number; why?: string }>;
  /** Best first. */
  suspects: Array<{ sha: string; score: number }>;
  /** Sentry's rule: the commit `git blame` gives for the innermost in-app frame; null without a frame. */
  sentrySuspect: string | null;
}

/** The part of the truth the judge needs: read from truth.json and the materialized release only when judging. */
export interface DiagnosisTruth {
  fault: string;
  faultSha: string;
  /** Files and 1-based inclusive line ranges of the fault. */
  locations: Array<{ file: string; lines: Array<[number, number]> }>;
}

export type DiagnosisSource = 'attributed' | 'post-deploy' | 'none';

export interface DiagnosisVerdict {
  fault: string;
  /** The detectors showed the fault's own symptom (the corpus bench's verdict). */
  seen: boolean;
  source: DiagnosisSource;
  /** Incidents whose diagnoses were considered, and how many of them had one. */
  incidents: string[];
  diagnosed: number;
  top: {
    incidentId: string;
    diagnosisId: string;
    kind: string;
    title: string | null;
    confidence: number;
    /** The deployment window the stage used (good null: no earlier deployment known, recent history searched). */
    codebase: { bad: string; good: string | null } | null;
    suspects: string[];
    lines: Array<{ path: string; line: number; why: string | null }>;
  } | null;
  suspectTop1: boolean;
  fileTop1: boolean;
  lineTop5: boolean;
  /** 1-based rank of the fault commit among the top issue's suspects; null when absent. */
  faultCommitRank: number | null;
  /** 1-based rank of the first top-issue line inside a fault range; null when none of them is. */
  faultLineRank: number | null;
  sentrySuspect: string | null;
  sentryTop1: boolean;
}

export const inRanges = (ranges: ReadonlyArray<readonly [number, number]>, line: number): boolean =>
  ranges.some(([a, b]) => line >= a && line <= b);

/** The line lies in one of the fault's ranges of its file. */
export function onFaultLine(truth: DiagnosisTruth, path: string, line: number): boolean {
  return truth.locations.some((l) => l.file === path && inRanges(l.lines, line));
}

/**
 * The highest-confidence issue across diagnoses given in preference order; an incident's newest diagnosis only (a
 * reopened incident is diagnosed again, and the newer one saw more).
 */
export function topIssue(
  diagnoses: readonly StoredDiagnosis[],
): { diagnosis: StoredDiagnosis; issue: StoredIssue } | null {
  const newest = new Map<string, StoredDiagnosis>();
  for (const d of diagnoses) {
    const prev = newest.get(d.incidentId);
    if (!prev || d.incidentVersion > prev.incidentVersion) newest.set(d.incidentId, d);
  }
  let best: { diagnosis: StoredDiagnosis; issue: StoredIssue } | null = null;
  for (const diagnosis of newest.values())
    for (const issue of diagnosis.issues)
      if (!best || issue.confidence > best.issue.confidence) best = { diagnosis, issue };
  return best;
}

/**
 * Sentry's rule as the same run would show it: the suspect of the highest-confidence issue that has one (the rule
 * needs a stack frame, so only error issues with an in-repository frame carry it).
 */
export function sentrySuspectOf(diagnoses: readonly StoredDiagnosis[]): string | null {
  const issues = diagnoses
    .flatMap((d) => d.issues)
    .filter((i) => i.sentrySuspect)
    .sort((a, b) => b.confidence - a.confidence);
  return issues[0]?.sentrySuspect ?? null;
}

/**
 * Judges one fault. `attributed` is the verdict's incident (null when the detectors did not attribute one);
 * `postDeploy` the incidents opened after the deploy; `diagnoses` every stored diagnosis of the namespace.
 */
export function judgeDiagnosis(
  truth: DiagnosisTruth,
  seen: boolean,
  attributed: string | null,
  postDeploy: readonly string[],
  diagnoses: readonly StoredDiagnosis[],
): DiagnosisVerdict {
  const of = (ids: readonly string[]) => {
    const order = new Map(ids.map((id, i) => [id, i]));
    return diagnoses
      .filter((d) => order.has(d.incidentId))
      .sort((a, b) => order.get(a.incidentId)! - order.get(b.incidentId)!);
  };
  let source: DiagnosisSource = 'none';
  let incidents: string[] = [];
  let chosen: StoredDiagnosis[] = [];
  if (attributed && of([attributed]).length > 0) {
    source = 'attributed';
    incidents = [attributed];
    chosen = of(incidents);
  } else if (postDeploy.length > 0) {
    source = 'post-deploy';
    incidents = [...postDeploy];
    chosen = of(incidents);
  } else if (attributed) incidents = [attributed];
  const best = topIssue(chosen);
  const issue = best?.issue ?? null;
  const suspects = issue?.suspects ?? [];
  const lines = issue?.lines ?? [];
  const commitIdx = suspects.findIndex((s) => s.sha === truth.faultSha);
  const lineIdx = lines.findIndex((l) => onFaultLine(truth, l.path, l.line));
  const files = new Set(truth.locations.map((l) => l.file));
  const sentry = sentrySuspectOf(chosen);
  return {
    fault: truth.fault,
    seen,
    source,
    incidents,
    diagnosed: new Set(chosen.map((d) => d.incidentId)).size,
    top: best
      ? {
          incidentId: best.diagnosis.incidentId,
          diagnosisId: best.diagnosis.diagnosisId,
          kind: best.issue.kind,
          title: best.issue.title ?? null,
          confidence: best.issue.confidence,
          codebase: best.diagnosis.codebase,
          suspects: suspects.slice(0, 3).map((s) => s.sha),
          lines: lines
            .slice(0, 5)
            .map((l) => ({ path: l.path, line: l.line, why: l.why?.slice(0, 160) ?? null })),
        }
      : null,
    suspectTop1: commitIdx === 0,
    fileTop1: lines[0] !== undefined && files.has(lines[0].path),
    lineTop5: lineIdx >= 0 && lineIdx < 5,
    faultCommitRank: commitIdx >= 0 ? commitIdx + 1 : null,
    faultLineRank: lineIdx >= 0 ? lineIdx + 1 : null,
    sentrySuspect: sentry,
    sentryTop1: sentry === truth.faultSha,
  };
}

export interface Rate {
  hits: number;
  of: number;
  ratio: number;
}

export interface DiagnosisTotals {
  suspectTop1: Rate;
  fileTop1: Rate;
  lineTop5: Rate;
  sentryTop1: Rate;
  /** Our suspect top-1 hits over Sentry's rule's on the same faults; null when Sentry's rule hit none. */
  suspectOverSentry: number | null;
}

const rate = (hits: number, of: number): Rate => ({
  hits,
  of,
  ratio: of ? Math.round((hits / of) * 1000) / 1000 : 0,
});

/**
 * Totals over a set of verdicts. `countUnseen` false: only the faults the detectors saw (the diagnosis stage's own
 * accuracy); true: every fault, a fault the detectors missed counting as a miss whatever its diagnoses said (the
 * chain's accuracy).
 */
export function diagnosisTotals(
  verdicts: readonly DiagnosisVerdict[],
  countUnseen: boolean,
): DiagnosisTotals {
  const pool = countUnseen ? verdicts : verdicts.filter((v) => v.seen);
  const hits = (pick: (v: DiagnosisVerdict) => boolean) => pool.filter((v) => v.seen && pick(v)).length;
  const ours = hits((v) => v.suspectTop1);
  const sentry = hits((v) => v.sentryTop1);
  return {
    suspectTop1: rate(ours, pool.length),
    fileTop1: rate(
      hits((v) => v.fileTop1),
      pool.length,
    ),
    lineTop5: rate(
      hits((v) => v.lineTop5),
      pool.length,
    ),
    sentryTop1: rate(sentry, pool.length),
    suspectOverSentry: sentry ? Math.round((ours / sentry) * 100) / 100 : null,
  };
}
