import ts from 'typescript';
import { changedTexts, normalizeCode, parseUnifiedDiff } from '../diff.js';
import { focusLine, linesIn, SCRIPT_FILE, topSuspect } from '../evidence.js';
import type { CandidateChange, FixInput, FixStrategy, IssueView, RemedyKind } from '../types.js';
import {
  applyEdits,
  collect,
  endLine,
  functionsByName,
  indentAt,
  lineStartAt,
  namedFunctionAt,
  parse,
  reindent,
  startLine,
  statementKey,
  toCandidates,
  type Draft,
  type FunctionNode,
} from './ast.js';

/**
 * Edits taken from the code's own history: the suspect commit's parent is a version of the evidence function that
 * ran without the symptom, so what the commit took away there (a try/catch around a dependency call, a call
 * statement, the order of steps) can be put back as a syntax-tree edit on today's code, even when later commits
 * make a textual revert conflict. Functions are paired by name, statements by their text without layout or comments.
 */

interface Versions {
  path: string;
  before: ts.SourceFile;
  now: ts.SourceFile;
  text: string;
  /** The evidence function now and before the suspect commit. */
  fnNow: FunctionNode;
  fnBefore: FunctionNode;
  /** Lines the suspect commit removed from the file, normalised. */
  removed: Set<string>;
  lines: Array<{ line: number; weight: number }>;
}

/** The evidence function of the focus file in the base commit and in the suspect's parent; undefined if either is missing. */
async function versions(input: FixInput): Promise<Versions | undefined> {
  const suspect = topSuspect(input.issue);
  const at = focusLine(input);
  if (!suspect || !at || !SCRIPT_FILE.test(at.path) || !/^[0-9a-f]{7,64}$/i.test(suspect.sha))
    return undefined;
  const text = await input.repo.read(at.path);
  if (text === undefined) return undefined;
  const scratch = await input.scratch();
  let old: string;
  try {
    // The path is one of the repository's own files (checked by focusLine against repo.files).
    old = await scratch.git(['show', `${suspect.sha}^:${at.path}`]);
  } catch {
    return undefined; // the file is new in the suspect commit, or the suspect has no parent
  }
  const diff = changedTexts(parseUnifiedDiff(await input.repo.commitDiff(suspect.sha).catch(() => '')));
  const lines = linesIn(input, at.path);
  if (!lines.some((l) => l.line === at.line)) lines.unshift({ line: at.line, weight: 1 });
  return pairVersions(at.path, text, old, at.line, diff.get(at.path)?.removed ?? [], lines);
}

/** Pairs the function holding `line` in `text` with its namesake in `old` (pure: the strategies' tests start here). */
export function pairVersions(
  path: string,
  text: string,
  old: string,
  line: number,
  removed: readonly string[],
  lines: Array<{ line: number; weight: number }>,
): Versions | undefined {
  const now = parse(path, text);
  const fnNow = namedFunctionAt(now, line);
  if (!fnNow) return undefined;
  const before = parse(path, old);
  const name = [...functionsByName(now)].find(([, f]) => f === fnNow)?.[0];
  const fnBefore = name ? functionsByName(before).get(name) : undefined;
  if (!fnBefore) return undefined;
  return { path, before, now, text, fnNow, fnBefore, removed: new Set(removed), lines };
}

/** The strongest evidence weight on lines [from, to] widened by `slack`, 0 when none. */
function weightIn(v: Versions, from: number, to: number, slack = 0): number {
  return Math.max(
    0,
    ...v.lines.filter((l) => l.line >= from - slack && l.line <= to + slack).map((l) => l.weight),
  );
}

const blocksOf = (fn: FunctionNode): ts.Block[] => (fn.body ? collect(fn.body, ts.isBlock) : []);

/** Where `keys` occur as consecutive statements of `stmts`, or -1. */
function runAt(keys: readonly string[], stmts: readonly string[]): number {
  outer: for (let i = 0; i + keys.length <= stmts.length; i++) {
    for (let k = 0; k < keys.length; k++) if (stmts[i + k] !== keys[k]) continue outer;
    return i;
  }
  return -1;
}

// ---- a fallback around a failing call -------------------------------------------------------------------------

/**
 * A try/catch the suspect commit removed: its try block's statements still stand in a row today, unprotected, and
 * the evidence is on them. The old try statement (with its catch: the behaviour before) is put back around them.
 */
export function fallbackDrafts(v: Versions, kind: IssueView['kind']): Draft[] {
  const drafts: Draft[] = [];
  const blocksNow = blocksOf(v.fnNow);
  const keysNow = new Map(blocksNow.map((b) => [b, b.statements.map(statementKey)]));
  for (const t of collect(v.fnBefore, ts.isTryStatement)) {
    const keys = t.tryBlock.statements.map(statementKey);
    if (keys.length === 0 || !t.catchClause) continue;
    for (const b of blocksNow) {
      const i = runAt(keys, keysNow.get(b)!);
      if (i < 0) continue;
      // Already the whole of a try block: the handling is there.
      if (ts.isTryStatement(b.parent) && b.parent.tryBlock === b && b.statements.length === keys.length)
        continue;
      const run = b.statements.slice(i, i + keys.length);
      const first = run[0]!;
      const last = run.at(-1)!;
      const w = weightIn(v, startLine(first), endLine(last));
      if (w === 0) continue;
      const oldText = t.getText();
      const restored = reindent(
        oldText,
        indentAt(v.before.text, t.getStart()),
        indentAt(v.text, first.getStart()),
      );
      drafts.push({
        path: v.path,
        text: applyEdits(v.text, [{ start: first.getStart(), end: last.end, text: restored }])!,
        rationale:
          `Puts back the try/catch the suspect commit removed around ${v.path}:${startLine(first)}-${endLine(last)}, ` +
          `so a failure there takes the handling it had before instead of failing the whole operation.`,
        fit: (0.5 + 0.4 * w) * (kind === 'error' ? 1 : 0.85),
      });
    }
  }
  return drafts;
}

// ---- a removed call, a moved step --------------------------------------------------------------------------------

const restorable = (s: ts.Statement): boolean => ts.isExpressionStatement(s) || ts.isIfStatement(s);

/**
 * Statements the suspect commit removed entirely (every line of them is a removed line of its diff) and that are
 * not in today's function, put back after the statement that preceded them then (or before the one that followed).
 */
export function removedCallDrafts(v: Versions, kind: IssueView['kind']): Draft[] {
  const drafts: Draft[] = [];
  const allNow = collect(v.fnNow, (n): n is ts.Statement => ts.isStatement(n) && !ts.isBlock(n));
  const countNow = new Map<string, ts.Statement[]>();
  for (const s of allNow) countNow.set(statementKey(s), [...(countNow.get(statementKey(s)) ?? []), s]);
  const uniqueNow = (s: ts.Statement | undefined) => {
    const found = s ? countNow.get(statementKey(s)) : undefined;
    return found?.length === 1 ? found[0] : undefined;
  };
  for (const b of blocksOf(v.fnBefore)) {
    b.statements.forEach((s, j) => {
      if (!restorable(s) || countNow.has(statementKey(s))) return;
      const lines = s.getText().split('\n').map(normalizeCode).filter(Boolean);
      if (!lines.every((l) => v.removed.has(l))) return;
      const oldIndent = indentAt(v.before.text, s.getStart());
      let edit: { start: number; end: number; text: string } | undefined;
      let anchorLine = 0;
      for (let p = j - 1; p >= 0 && !edit; p--) {
        const a = uniqueNow(b.statements[p]);
        if (!a) continue;
        const ind = indentAt(v.text, a.getStart());
        edit = { start: a.end, end: a.end, text: `\n${ind}${reindent(s.getText(), oldIndent, ind)}` };
        anchorLine = endLine(a);
      }
      for (let n = j + 1; n < b.statements.length && !edit; n++) {
        const a = uniqueNow(b.statements[n]);
        if (!a) continue;
        const ind = indentAt(v.text, a.getStart());
        const at = lineStartAt(v.text, a.getStart());
        edit = { start: at, end: at, text: `${ind}${reindent(s.getText(), oldIndent, ind)}\n` };
        anchorLine = startLine(a);
      }
      if (!edit) return;
      const w = weightIn(v, anchorLine, anchorLine, 3);
      drafts.push({
        path: v.path,
        text: applyEdits(v.text, [edit])!,
        rationale: `Restores the statement the suspect commit removed near ${v.path}:${anchorLine} (\`${normalizeCode(s.getText()).slice(0, 60)}\`), a step the code took before the symptom began.`,
        fit: (0.45 + 0.35 * w) * (kind === 'behavioral' ? 1 : 0.85),
      });
    });
  }
  return drafts;
}

/**
 * The runs of `now` that, moved elsewhere, give `old`: for each, its bounds in `now` and the index in `now` of the
 * statement it stood before in `old` (undefined: it was last). Blocks are short, so every run is tried.
 */
export function movedRuns(
  old: readonly string[],
  now: readonly string[],
): Array<{ lo: number; hi: number; before?: number }> {
  const out: Array<{ lo: number; hi: number; before?: number }> = [];
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((x, i) => x === b[i]);
  for (let lo = 0; lo < now.length; lo++)
    for (let hi = lo; hi < now.length && hi - lo + 1 < now.length; hi++) {
      const run = now.slice(lo, hi + 1);
      const rest = [...now.slice(0, lo), ...now.slice(hi + 1)];
      for (let p = 0; p + run.length <= old.length; p++) {
        if (p === lo) continue; // the same place: not a move
        if (!same(old.slice(p, p + run.length), run)) continue;
        if (!same([...old.slice(0, p), ...old.slice(p + run.length)], rest)) continue;
        // In `rest` the run stood before rest[p]; find that statement's index in `now`.
        const before = p < rest.length ? (p < lo ? p : p + run.length) : undefined;
        out.push({ lo, hi, ...(before === undefined ? {} : { before }) });
      }
    }
  return out;
}

/** The first line of a statement including the comments above it, as a position at that line's start. */
function fullLineStart(text: string, s: ts.Statement): number {
  const leading = ts.getLeadingCommentRanges(text, s.getFullStart()) ?? [];
  return lineStartAt(text, leading[0]?.pos ?? s.getStart());
}

/** The position after the newline ending the line holding `pos`. */
const afterLine = (text: string, pos: number): number => {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
};

/**
 * A block whose statements are the same as before the suspect commit but in another order, where the statements out
 * of order form one run: the run goes back before the statement it preceded then.
 */
export function movedStepDrafts(v: Versions, kind: IssueView['kind']): Draft[] {
  const drafts: Draft[] = [];
  const before = blocksOf(v.fnBefore).map((b) => ({ b, keys: b.statements.map(statementKey) }));
  for (const now of blocksOf(v.fnNow)) {
    const keys = now.statements.map(statementKey);
    if (keys.length < 3) continue;
    const sorted = [...keys].sort().join('\n');
    const old = before.find((o) => o.keys.length === keys.length && [...o.keys].sort().join('\n') === sorted);
    if (!old || old.keys.join('\n') === keys.join('\n')) continue;
    // The smallest run that moved and holds evidence: the step the suspect moved, not the ones it jumped over.
    const moves = movedRuns(old.keys, keys)
      .map((m) => ({
        ...m,
        w: weightIn(v, startLine(now.statements[m.lo]!), endLine(now.statements[m.hi]!), 1),
      }))
      .filter((m) => m.w > 0)
      .sort((a, b) => a.hi - a.lo - (b.hi - b.lo) || b.w - a.w);
    const move = moves[0];
    if (!move) continue;
    const run = now.statements.slice(move.lo, move.hi + 1);
    const target = move.before === undefined ? undefined : now.statements[move.before];
    const w = move.w;
    const from = fullLineStart(v.text, run[0]!);
    let to = afterLine(v.text, run.at(-1)!.end);
    const blankBefore = /^[ \t]*\n$/.test(v.text.slice(lineStartAt(v.text, from - 1), from));
    const blankAfter = /^[ \t]*\n/.test(v.text.slice(to));
    // Take a blank line along when the run leaves two behind, or one at the top of its block.
    if (blankAfter && (blankBefore || move.lo === 0)) to = afterLine(v.text, to);
    const runText = v.text.slice(from, afterLine(v.text, run.at(-1)!.end));
    let edits;
    if (target) {
      const at = fullLineStart(v.text, target);
      const blankAbove = /^[ \t]*\n$/.test(v.text.slice(lineStartAt(v.text, at - 1), at));
      edits = [
        { start: from, end: to, text: '' },
        { start: at, end: at, text: blankAbove ? `${runText}\n` : runText },
      ];
    } else {
      const last = now.statements.at(-1)!;
      const at = afterLine(v.text, last.end);
      edits = [
        { start: from, end: to, text: '' },
        { start: at, end: at, text: runText },
      ];
    }
    const out = applyEdits(v.text, edits);
    if (!out) continue;
    drafts.push({
      path: v.path,
      text: out,
      rationale: `Moves ${run.length} statement(s) at ${v.path}:${startLine(run[0]!)} back to where they ran before the suspect commit moved them: the order of the steps changed with the symptom.`,
      fit: (0.5 + 0.4 * w) * (kind === 'behavioral' ? 1 : 0.8),
    });
  }
  return drafts;
}

export class RestoreFromHistory implements FixStrategy {
  readonly name = 'template-restore-history';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['revert-hunks'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const v = await versions(input);
    if (!v) return [];
    const drafts = [...movedStepDrafts(v, input.issue.kind), ...removedCallDrafts(v, input.issue.kind)];
    return toCandidates(this, input, new Map([[v.path, v.text]]), drafts).slice(0, 4);
  }
}

export class FallbackFromHistory implements FixStrategy {
  readonly name = 'template-fallback-history';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'missing-await', 'revert-hunks', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const v = await versions(input);
    if (!v) return [];
    return toCandidates(this, input, new Map([[v.path, v.text]]), fallbackDrafts(v, input.issue.kind)).slice(
      0,
      3,
    );
  }
}

export type { Versions };
