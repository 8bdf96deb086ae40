import type { EvidenceLine, FixInput, IssueView } from './types.js';

/** How many of the best evidence lines the strategies look at: the diagnosis ranks them, the tail is weak. */
export const TOP_LINES = 12;

/** The best evidence lines (the diagnosis sorts them best first), keeping only paths the repository holds. */
export function topLines(input: FixInput, n = TOP_LINES): EvidenceLine[] {
  return input.issue.lines.filter((l) => input.repo.files.has(l.path)).slice(0, n);
}

/**
 * Where a template should act first: the remedy's own target, else the innermost stack frame, else the best line.
 * The remedy's target is what the diagnosis chose the remedy for, so it outranks the generic order.
 */
export function focusLine(input: FixInput): { path: string; line: number } | undefined {
  const t = input.remedy.targets.find((x) => x.line !== null && input.repo.files.has(x.file));
  if (t) return { path: t.file, line: t.line! };
  const f = input.issue.innermostFrame;
  if (f && input.repo.files.has(f.path)) return f;
  const [top] = topLines(input, 1);
  return top ? { path: top.path, line: top.line } : undefined;
}

/** Evidence lines of one file with their score relative to the best line of the issue, in (0, 1]. */
export function linesIn(
  input: FixInput,
  path: string,
  n = TOP_LINES,
): Array<{ line: number; weight: number }> {
  const lines = topLines(input, n);
  const best = lines[0]?.score ?? 0;
  return lines
    .filter((l) => l.path === path)
    .map((l) => ({ line: l.line, weight: best > 0 ? Math.max(0.05, l.score / best) : 0.5 }));
}

/** Source files a TypeScript/JavaScript template can parse. */
export const SCRIPT_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

export const topSuspect = (issue: IssueView) => issue.suspects[0];

/** Keeps a fit inside (0, 1] as the contract asks. */
export const clampFit = (fit: number): number => Math.min(1, Math.max(0.01, Number(fit.toFixed(3))));
