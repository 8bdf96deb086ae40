import { createHash } from 'node:crypto';
import type { FindingKind, PayloadOf } from '@self-healing/schemas';
import {
  locateBehavior,
  locateCoverage,
  locateErrors,
  stacksOf,
  locatePerformance,
  repeatsAnErrorFinding,
  type LocateInput,
} from '../diagnose/locate.js';
import { rankSuspects, sentryRule } from '../diagnose/suspects.js';
import type { DiagnosedIssue } from '../diagnose/remedies.js';
import type { LocatedIssue } from '../diagnose/types.js';
import type { CaseFile, DiagnosisDeps } from './deps.js';

type Analysis = PayloadOf<'ErrorIssuesAnalyzed'>;
export type IssuePayload = Analysis['issues'][number];

/** Lines blamed per issue: the evidence beyond these is too weak to move a suspect. */
const BLAMED_LINES = 200;
/** Locations an Issue event carries (the case file and the diagnosis document keep them all). */
const LOCATIONS_IN_EVENT = 10;
const SUSPECTS_IN_EVENT = 5;

const LOCATORS: Record<FindingKind, (input: LocateInput) => LocatedIssue | null> = {
  error: locateErrors,
  performance: locatePerformance,
  behavioral: locateBehavior,
  coverage: locateCoverage,
};

/** Template text by id for the incident's findings: from its log events, else from the stored windows. */
export async function templatesOf(
  deps: DiagnosisDeps,
  runId: string,
  c: CaseFile,
): Promise<Map<string, string>> {
  const wanted = new Set(c.findings.flatMap((f) => f.templateIds));
  const out = new Map<string, string>();
  for (const e of await deps.events(runId, c))
    if (wanted.has(e.templateId)) out.set(e.templateId, e.template);
  if (out.size < wanted.size) {
    const windows = await deps.telemetry.contributionsToWindows(
      c.services,
      c.timeRange.from - 60 * 60_000,
      c.timeRange.until + 60_000,
    );
    for (const w of windows)
      if (wanted.has(w.templateId) && !out.has(w.templateId)) out.set(w.templateId, w.template);
  }
  return out;
}

/**
 * How sure the diagnosis is of an issue, in [0, 1]: some for having traced the evidence to code at all (more for a
 * stack, which names lines, than for a log statement, which names a region), and the rest for one suspect commit
 * standing out, more when it comes from the deployment window than from recent history. Capped at 0.95: the code
 * was read, never run.
 */
export function confidenceOf(
  issue: LocatedIssue,
  suspects: DiagnosedIssue['suspects'],
  bounded: boolean,
): number {
  if (issue.lines.length === 0) return 0.05;
  const traced = issue.innermostFrame ? 0.3 : 0.2;
  const total = suspects.reduce((s, c) => s + c.score, 0);
  const share = suspects[0] && total > 0 ? suspects[0].score / total : 0;
  return Math.min(0.95, 0.15 + traced + 0.45 * share * (bounded ? 1 : 0.6));
}

/**
 * The analysis of one kind of finding: locate, blame the strongest lines at the deployed commit, rank the commits
 * of the window, and keep the result in the case file for the remedies. The same inputs give the same issue.
 */
export async function analyzeKind(kind: FindingKind, deps: DiagnosisDeps, runId: string): Promise<Analysis> {
  const c = await deps.caseOf(runId);
  const findings = c.findings.filter((f) => f.kind === kind && !repeatsAnErrorFinding(f, c.findings));
  if (findings.length === 0) return { issues: [], findingsExamined: 0, unexplainedFindingIds: [] };
  const [code, window, events, templates, aroundForSteps] = await Promise.all([
    deps.code(runId, c),
    deps.window(runId, c),
    deps.events(runId, c),
    templatesOf(deps, runId, c),
    kind === 'performance' ? deps.eventsAround(runId, c) : undefined,
  ]);
  // Error lines missing from the incident's own runs (late, or parsed by a run that opened no incident): looked for
  // in every run around it rather than explained by other errors.
  const errorTemplates = new Set(findings.flatMap((f) => f.templateIds));
  const around =
    aroundForSteps ??
    (kind === 'error' &&
    errorTemplates.size > 0 &&
    stacksOf({ events }, findings, errorTemplates).length === 0
      ? await deps.eventsAround(runId, c)
      : undefined);
  const located = LOCATORS[kind]({
    findings,
    events,
    ...(around ? { around } : {}),
    templates,
    code: code.model,
    window,
    layout: code.layout,
    compilerOptions: code.compilerOptions,
  });
  let diagnosed: DiagnosedIssue | null = null;
  if (located) {
    const repo = await deps.repo(c.codebase!);
    const blamed = located.lines.slice(0, BLAMED_LINES);
    const blame = new Map<string, Map<number, string>>();
    const styleOnly = window.commits.filter((x) => x.styleOnly).map((x) => x.sha);
    for (const path of new Set(blamed.map((l) => l.path))) {
      // Paths come from the repository's own file list (the locators never invent one).
      if (code.model.files.has(path)) blame.set(path, await repo.blame(c.codebase!.bad, path, styleOnly));
    }
    const suspects = rankSuspects(blamed, blame, window);
    let sentrySuspect: string | null = null;
    const inner = located.innermostFrame;
    if (inner && code.model.files.has(inner.path)) {
      if (!blame.has(inner.path))
        blame.set(inner.path, await repo.blame(c.codebase!.bad, inner.path, styleOnly));
      const onset = Math.min(...findings.map((f) => f.since));
      const sha = blame.get(inner.path)?.get(inner.line);
      const time = sha ? (await repo.log(sha, null, 1))[0]?.time : undefined;
      sentrySuspect = sentryRule(inner, blame, (s) => (s === sha ? time : undefined), onset);
    }
    const top = located.lines[0];
    diagnosed = {
      ...located,
      id: issueIdOf(c.incidentId, kind, top ? `${top.path}:${top.line}` : findings[0]!.subject),
      confidence: confidenceOf(located, suspects, window.bounded),
      suspects,
      bounded: window.bounded,
      sentrySuspect,
      lines: located.lines.slice(0, 500),
    };
  }
  await deps.cases.updateOne({ _id: runId }, { $set: { [`issues.${kind}`]: diagnosed } });
  const explained = diagnosed && diagnosed.lines.length > 0;
  return {
    issues: diagnosed && explained ? [issuePayload(diagnosed)] : [],
    findingsExamined: findings.length,
    unexplainedFindingIds: explained ? [] : findings.map((f) => f.id),
  };
}

export function issueIdOf(incidentId: string, kind: string, primary: string): string {
  return `is-${createHash('sha256').update(`${incidentId}\u0000${kind}\u0000${primary}`).digest('hex').slice(0, 16)}`;
}

export function issuePayload(d: DiagnosedIssue): IssuePayload {
  const evidence: IssuePayload['evidence'] = { ...d.evidence };
  d.suspects.slice(0, SUSPECTS_IN_EVENT).forEach((s, i) => {
    evidence[`suspect${i + 1}`] = `${s.sha.slice(0, 12)} "${s.subject}" by ${s.author}: ${s.why}`;
    evidence[`suspect${i + 1}Score`] = s.score;
  });
  evidence['suspectsFromDeploymentWindow'] = d.bounded;
  evidence['sentryRuleSuspect'] = d.sentrySuspect;
  d.lines.slice(0, 3).forEach((l, i) => {
    evidence[`line${i + 1}`] = `${l.path}:${l.line} ${l.why}`;
  });
  return {
    id: d.id,
    kind: d.kind,
    title: d.title,
    hypothesis: d.hypothesis,
    confidence: d.confidence,
    findingIds: d.findingIds,
    locations: d.lines
      .slice(0, LOCATIONS_IN_EVENT)
      .map((l) => ({ file: l.path, line: l.line, symbol: l.symbol ?? null })),
    suspectCommits: d.suspects.slice(0, SUSPECTS_IN_EVENT).map((s) => s.sha),
    evidence,
  };
}
