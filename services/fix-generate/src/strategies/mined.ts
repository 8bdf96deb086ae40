import ts from 'typescript';
import { parseUnifiedDiff } from './diff.js';
import { clampFit, SCRIPT_FILE, topLines } from './evidence.js';
import { collect, parse, toCandidates, type Draft } from './templates/ast.js';
import type { CandidateChange, FixInput, FixStrategy, RemedyKind, RepoView } from './types.js';

/**
 * Fix patterns mined from the repository's own history, in the manner of Getafix (Bader et al., 2019) reduced to
 * its simplest useful form: each one-line change of a past fix commit becomes a token rewrite with its identifiers
 * and literals abstracted into holes (`h0 . h1` to `h0 ?. h1`), one token of context either side; equal rewrites
 * from several fixes are merged and counted. On the evidence lines, a window of tokens that matches a rewrite's
 * left side (holes bound consistently) is rewritten to its right side. Support (how many past fixes made the same
 * edit) ranks them, as Getafix ranks by how often a pattern fixed before.
 */

/** Subjects of commits that fix something (the history's own labels; English, as most projects write them). */
const FIX_SUBJECT =
  /\b(fix(es|ed)?|bug|crash(es)?|regression|guard|handle[sd]?|prevent|avoid|missing|undefined|null|again|correct(s|ed)?|broken|wrong)\b/i;

/** How far back to mine, in commits, and how many fix commits to read. */
const LOG_LIMIT = 400;
const FIX_LIMIT = 80;
/** A rewrite longer than this (tokens each side) is a change of logic, not a pattern. */
const MAX_TOKENS = 12;

interface Token {
  kind: ts.SyntaxKind;
  text: string;
  start: number;
  end: number;
  /** Whitespace before it in its source line. */
  spaced: boolean;
}

/** A token of a rewrite: concrete text, or a hole (`i` for identifiers, `l` for literals). */
type Part = { text: string; spaced: boolean } | { hole: string; spaced: boolean };

export interface Rewrite {
  from: Part[];
  to: Part[];
  support: number;
  /** Subjects of the fixes it came from, for the rationale. */
  examples: string[];
}

export function tokens(line: string): Token[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, line);
  const out: Token[] = [];
  let prevEnd = 0;
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.Unknown) return [];
    // The scanner leaves `>=`, `>>` and `>>>` to the parser (for generics); a line on its own wants them whole.
    if (k === ts.SyntaxKind.GreaterThanToken) k = scanner.reScanGreaterToken();
    const start = scanner.getTokenStart();
    out.push({
      kind: k,
      text: scanner.getTokenText(),
      start,
      end: scanner.getTokenEnd(),
      spaced: start > prevEnd,
    });
    prevEnd = scanner.getTokenEnd();
  }
  return out;
}

const isIdent = (t: Token) => t.kind === ts.SyntaxKind.Identifier;
/** Keywords whose next identifier is the name being declared. */
const DECLARES = new Set(['var', 'let', 'const', 'function', 'class']);
const isLiteral = (t: Token) =>
  t.kind === ts.SyntaxKind.StringLiteral ||
  t.kind === ts.SyntaxKind.NumericLiteral ||
  t.kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral;

/** The one-line edit `before` -> `after` as an abstracted rewrite, or undefined when it is not a small edit. */
export function rewriteOf(before: string, after: string): Omit<Rewrite, 'support' | 'examples'> | undefined {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length === 0 || b.length === 0) return undefined;
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre]!.text === b[pre]!.text) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf]!.text === b[b.length - 1 - suf]!.text
  )
    suf++;
  if (pre === a.length && pre === b.length) return undefined; // layout only
  // A declaration renamed (`var trust = …` -> `var obj = …`) is half of a rename whose reads changed on other lines:
  // applied alone anywhere, it only breaks the reads of the old name.
  if (pre > 0 && pre < a.length && isIdent(a[pre]!) && DECLARES.has(a[pre - 1]!.text)) return undefined;
  // One token of context either side anchors the edit (`x.y` -> `x?.y` is about the `.` between two names).
  // At the start of a line there is no left context: a second token on the right stands in for it.
  // An edit among a call's arguments (or an index) is anchored on the call: `f(a)` -> `f(a, 0)` must not rewrite
  // `if (a)`, so the context reaches back to the name before the innermost open bracket. After a keyword
  // (`if (x > 0)`) the bracket says nothing about the edit, which then applies under `while` too.
  const open = innermostOpen(a, pre);
  const callee = Number.isFinite(open) && open > 0 && isIdent(a[open - 1]!) ? open - 1 : Infinity;
  const lo = Math.min(Math.max(0, pre - 1), callee);
  const right = pre === 0 ? 2 : 1;
  const fromTokens = a.slice(lo, Math.min(a.length, a.length - suf + right));
  const toTokens = b.slice(lo, Math.min(b.length, b.length - suf + right));
  if (fromTokens.length > MAX_TOKENS || toTokens.length > MAX_TOKENS || fromTokens.length < 2)
    return undefined;
  const holes = new Map<string, string>();
  const abstract = (t: Token, bind: boolean): Part => {
    if (isIdent(t) || isLiteral(t)) {
      const known = holes.get(t.text);
      if (known) return { hole: known, spaced: t.spaced };
      if (bind) {
        const h = `${isIdent(t) ? 'i' : 'l'}${holes.size}`;
        holes.set(t.text, h);
        return { hole: h, spaced: t.spaced };
      }
    }
    return { text: t.text, spaced: t.spaced };
  };
  const from = fromTokens.map((t) => abstract(t, true));
  const to = toTokens.map((t) => abstract(t, false));
  return { from, to };
}

/** Index of the innermost bracket still open before token `end`, or Infinity when none is. */
function innermostOpen(toks: Token[], end: number): number {
  const open: number[] = [];
  for (let i = 0; i < end; i++) {
    const t = toks[i]!.text;
    if (t === '(' || t === '[') open.push(i);
    else if ((t === ')' || t === ']') && open.length) open.pop();
  }
  return open.length ? open[open.length - 1]! : Infinity;
}

const partKey = (p: Part) => ('hole' in p ? `<${p.hole}>` : p.text);
const rewriteKey = (r: Pick<Rewrite, 'from' | 'to'>) =>
  `${r.from.map(partKey).join(' ')}\u0000${r.to.map(partKey).join(' ')}`;

/** The rewrites of a repository's fix history, merged and counted, most supported first. */
export async function mineRewrites(repo: RepoView): Promise<Rewrite[]> {
  const fixes = (await repo.log(LOG_LIMIT)).filter((c) => FIX_SUBJECT.test(c.subject)).slice(0, FIX_LIMIT);
  const merged = new Map<string, Rewrite>();
  for (const c of fixes) {
    let diff: string;
    try {
      diff = await repo.commitDiff(c.sha);
    } catch {
      continue;
    }
    const seen = new Set<string>();
    for (const f of parseUnifiedDiff(diff)) {
      if (
        !f.newPath ||
        !SCRIPT_FILE.test(f.newPath) ||
        /(^|\/)(test|tests|__tests__)\/|\.(spec|test)\./.test(f.newPath)
      )
        continue;
      for (const h of f.hunks) {
        const removed = h.body.filter((l) => l.startsWith('-'));
        const added = h.body.filter((l) => l.startsWith('+'));
        if (removed.length !== 1 || added.length !== 1) continue;
        // Comments and doc blocks change for their own reasons: not code patterns.
        if ([removed[0]!, added[0]!].some((l) => /^\s*(\/\/|\/\*|\*)/.test(l.slice(1)))) continue;
        const r = rewriteOf(removed[0]!.slice(1), added[0]!.slice(1));
        if (!r) continue;
        const key = rewriteKey(r);
        if (seen.has(key)) continue; // one commit counts once per rewrite
        seen.add(key);
        const had = merged.get(key);
        if (had) {
          had.support++;
          if (had.examples.length < 3) had.examples.push(c.subject);
        } else merged.set(key, { ...r, support: 1, examples: [c.subject] });
      }
    }
  }
  return [...merged.values()].sort((a, b) => b.support - a.support);
}

/** Every window of `line` the rewrite's left side matches, with its rewritten text. */
export function applyRewrite(line: string, rw: Rewrite): Array<{ start: number; end: number; text: string }> {
  const toks = tokens(line);
  const out: Array<{ start: number; end: number; text: string }> = [];
  for (let i = 0; i + rw.from.length <= toks.length; i++) {
    const bound = new Map<string, string>();
    let ok = true;
    for (let k = 0; k < rw.from.length && ok; k++) {
      const p = rw.from[k]!;
      const t = toks[i + k]!;
      if ('hole' in p) {
        const fits = p.hole.startsWith('i') ? isIdent(t) : isLiteral(t);
        const had = bound.get(p.hole);
        ok = fits && (had === undefined || had === t.text);
        if (ok) bound.set(p.hole, t.text);
      } else ok = p.text === t.text;
    }
    if (!ok) continue;
    let text = '';
    for (const [k, p] of rw.to.entries()) {
      const piece = 'hole' in p ? bound.get(p.hole) : p.text;
      if (piece === undefined) {
        ok = false;
        break;
      }
      text += (k > 0 && p.spaced ? ' ' : '') + piece;
    }
    if (!ok) continue;
    out.push({ start: toks[i]!.start, end: toks[i + rw.from.length - 1]!.end, text });
  }
  return out;
}

/**
 * The names a rewrite brings in: identifiers its right side writes out (not holes) that its left side does not have,
 * property names included. A past fix's `toString.call(x)` -> `https.call(x)` names a module of its own file;
 * applied to a file that never mentions `https` (nor a property `_router`), it would invent a variable or a member
 * the code has nowhere, which the tests then reject one suite run at a time.
 */
export function introducedNames(rw: Pick<Rewrite, 'from' | 'to'>): string[] {
  const before = new Set(rw.from.flatMap((p) => ('text' in p ? [p.text] : [])));
  return rw.to.flatMap((p) =>
    'text' in p && !before.has(p.text) && /^[A-Za-z_$][\w$]*$/.test(p.text) && !isKeyword(p.text)
      ? [p.text]
      : [],
  );
}

/** Words that are syntax, not names: reserved words, and the contextual ones a rewrite writes as operators. */
const CONTEXTUAL = new Set(['await', 'yield', 'let', 'async', 'of']);
function isKeyword(word: string): boolean {
  if (CONTEXTUAL.has(word)) return true;
  const kind = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, word).scan();
  return kind >= ts.SyntaxKind.FirstReservedWord && kind <= ts.SyntaxKind.LastReservedWord;
}

/** Mined rewrites per repository and base commit: the history does not change while a run generates. */
const cache = new WeakMap<RepoView, Promise<Rewrite[]>>();

export class MinedPatterns implements FixStrategy {
  readonly name = 'mined-patterns';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'missing-await', 'revert-hunks', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    let mined = cache.get(input.repo);
    if (!mined) {
      mined = mineRewrites(input.repo);
      cache.set(input.repo, mined);
    }
    const rewrites = await mined;
    if (rewrites.length === 0) return [];
    const lines = topLines(input, 6).filter((l) => SCRIPT_FILE.test(l.path));
    const best = lines[0]?.score ?? 1;
    const originals = new Map<string, string>();
    /** Identifiers each file mentions anywhere: the names a rewrite may bring into it. */
    const namesOf = new Map<string, Set<string>>();
    const tried = rewrites.slice(0, 200).map((rw) => ({ rw, introduces: introducedNames(rw) }));
    const drafts: Draft[] = [];
    for (const l of lines) {
      const text = originals.get(l.path) ?? (await input.repo.read(l.path));
      if (text === undefined) continue;
      originals.set(l.path, text);
      const starts = lineStarts(text);
      const from = starts[l.line - 1];
      if (from === undefined) continue;
      const to = text.indexOf('\n', from) < 0 ? text.length : text.indexOf('\n', from);
      const lineText = text.slice(from, to);
      const weight = best > 0 ? Math.max(0.1, Math.min(1, l.score / best)) : 0.5;
      const names =
        namesOf.get(l.path) ?? new Set(collect(parse(l.path, text), ts.isIdentifier).map((i) => i.text));
      namesOf.set(l.path, names);
      for (const { rw, introduces } of tried) {
        if (!introduces.every((n) => names.has(n))) continue;
        for (const m of applyRewrite(lineText, rw)) {
          drafts.push({
            path: l.path,
            text: text.slice(0, from + m.start) + m.text + text.slice(from + m.end),
            rationale: `Applies an edit this repository's own fixes made ${rw.support} time(s) (e.g. "${rw.examples[0]!.slice(0, 80)}") to ${l.path}:${l.line}.`,
            fit: clampFit((0.3 + 0.1 * Math.min(rw.support - 1, 4)) * (0.5 + 0.5 * weight)),
          });
        }
      }
    }
    return toCandidates(this, input, originals, drafts).slice(0, 4);
  }
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}
