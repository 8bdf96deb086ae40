import { rankRemedies, type DiagnosedIssue } from '../../diagnosis/src/diagnose/remedies.js';
import type { TestRun } from '../../diagnosis/src/locate/evidence.js';
import type { ScoredLine } from '../../diagnosis/src/locate/localize.js';
import { parseStack } from '../../diagnosis/src/locate/stack.js';
import { isProgramFile } from '../../diagnosis/src/locate/tests-filter.js';
import type { IssueView, RemedyView } from '../src/strategies/types.js';

/** A runtime error (in the test's own failure, or quoted in a 500 page it asserted on) rather than a wrong answer. */
const RUNTIME_ERROR = /\b(TypeError|ReferenceError|RangeError)\b|is not a function|Cannot read propert/;

/** The diagnosis' confidence in a localization-only issue: mid-scale, it only scales every remedy alike. */
const CONFIDENCE = 0.5;

const firstLine = (s: string) => (s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 500);

/**
 * The issue the diagnosis would report for a bug's failing tests with nothing but the test runs: the localization's
 * best `top` lines as evidence (never the fix's), the first fault-revealing test's failure as the error (a runtime
 * error makes it an `error` issue, with its innermost program frame), no suspect commit (BugsJS gives no deployment
 * window, so nothing bounds a revert). The remedies are the diagnosis' own ranking for that issue.
 */
export function issueFromLocalization(p: {
  id: string;
  lines: readonly ScoredLine[];
  failing: readonly TestRun[];
  repoRoot: string;
  top: number;
}): { issue: IssueView; remedies: RemedyView[] } {
  const failure = p.failing.find((t) => t.error || t.stack);
  const message = failure ? firstLine(failure.error ?? failure.stack ?? '') : '';
  const isError = RUNTIME_ERROR.test(message);
  const frame = failure
    ? parseStack(`${failure.error ?? ''}\n${failure.stack ?? ''}`, p.repoRoot).frames.find(
        (f) => isProgramFile(f.path) && !f.path.startsWith('node_modules/'),
      )
    : undefined;
  const lines = p.lines.slice(0, p.top).map((l, i) => ({
    path: l.path,
    line: l.line,
    score: l.score,
    why: `suspiciousness rank ${i + 1} (${l.spectrum.ef} of ${l.spectrum.ef + l.spectrum.nf} failing and ${l.spectrum.ep} passing tests run it)`,
  }));
  const titles = p.failing.map((t) => t.id);
  const diagnosed: DiagnosedIssue = {
    id: `issue-${p.id}`,
    kind: isError ? 'error' : 'behavioral',
    title: titles[0] ? `failing: ${titles[0]}` : 'failing tests',
    hypothesis: `${titles.length} test(s) fail; the code they run and passing tests do not is the likeliest cause.`,
    findingIds: [],
    lines,
    evidence: message ? { errorTemplate: message } : {},
    ...(frame ? { innermostFrame: { path: frame.path, line: frame.line } } : {}),
    confidence: CONFIDENCE,
    suspects: [],
    bounded: false,
    sentrySuspect: null,
  };
  const remedies = rankRemedies([diagnosed])
    .filter((r) => r.recommendation.automatable)
    .map((r): RemedyView => ({
      id: r.recommendation.id,
      kind: r.kind,
      summary: r.recommendation.summary,
      confidence: r.recommendation.confidence,
      targets: r.recommendation.targets.map((t) => ({
        file: t.file,
        line: t.line ?? null,
        symbol: t.symbol ?? null,
      })),
    }));
  const issue: IssueView = {
    id: diagnosed.id,
    kind: diagnosed.kind,
    title: diagnosed.title,
    hypothesis: diagnosed.hypothesis,
    confidence: diagnosed.confidence,
    lines,
    suspects: [],
    evidence: diagnosed.evidence,
    ...(diagnosed.innermostFrame ? { innermostFrame: diagnosed.innermostFrame } : {}),
    bounded: false,
  };
  return { issue, remedies };
}
