import ts from 'typescript';
import { changedTexts, normalizeCode, parseUnifiedDiff } from '../diff.js';
import { TOP_LINES, topSuspect } from '../evidence.js';
import type { CandidateChange, FixInput, FixStrategy, IssueView, RemedyKind } from '../types.js';
import {
  applyEdits,
  collect,
  enclosingFunction,
  parse,
  startLine,
  draftsOnEvidenceFiles,
  type Draft,
  type TextEdit,
} from './ast.js';

/**
 * A changed condition (TBar's "condition mutation" and "operator mutation", the off-by-one family): on the
 * evidence lines, a relational operator one step off (`<` and `<=`, `>` and `>=`), an equality turned around
 * (`===` and `!==`), or a bound one off (`x - 1`, `x + 1` back to `x`). Every site is a candidate, ranked by how
 * strongly the evidence points at its line; the same mutation of the same expression on several evidence lines is
 * also tried at once (a bound used twice is usually wrong twice). When the suspect commit's diff removed exactly the
 * line a mutation produces, the mutation is the commit undone on that line and ranks highest.
 */

interface Mutation {
  /** What kind of mistake it undoes, for the rationale. */
  what: string;
  edit: TextEdit;
  /** The mutated expression's text before, so equal mutations on several lines can be grouped. */
  key: string;
  /** Prior plausibility of the kind of mutation. */
  prior: number;
  line: number;
  /** The mutated expression, normalised: to look for it in the code the suspect commit removed. */
  mutated: string;
  /** For a changed operator, the new operator with either operand (`>=line.quantity`, `total>=`), normalised. */
  sides?: [string, string];
}

const FLIP: Partial<Record<ts.SyntaxKind, [string, number, string]>> = {
  [ts.SyntaxKind.LessThanToken]: ['<=', 0.9, 'an exclusive bound made inclusive'],
  [ts.SyntaxKind.LessThanEqualsToken]: ['<', 0.9, 'an inclusive bound made exclusive'],
  [ts.SyntaxKind.GreaterThanToken]: ['>=', 0.9, 'an exclusive bound made inclusive'],
  [ts.SyntaxKind.GreaterThanEqualsToken]: ['>', 0.9, 'an inclusive bound made exclusive'],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ['!==', 0.55, 'a comparison turned around'],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ['===', 0.55, 'a comparison turned around'],
  [ts.SyntaxKind.EqualsEqualsToken]: ['!=', 0.5, 'a comparison turned around'],
  [ts.SyntaxKind.ExclamationEqualsToken]: ['==', 0.5, 'a comparison turned around'],
};

/** The mutations of the binary expressions whose operator is on `line`. */
export function mutationsOnLine(sf: ts.SourceFile, line: number): Mutation[] {
  const out: Mutation[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && startLine(n.operatorToken) === line) {
      const op = n.operatorToken;
      const flip = FLIP[op.kind];
      if (flip)
        out.push({
          what: flip[2],
          edit: { start: op.getStart(), end: op.end, text: flip[0] },
          key: `${n.getText()}\0${flip[0]}`,
          prior: flip[1],
          line,
          mutated: normalizeCode(`${n.left.getText()} ${flip[0]} ${n.right.getText()}`),
          sides: [
            telling(n.left) ? normalizeCode(`${n.left.getText()} ${flip[0]}`) : '',
            telling(n.right) ? normalizeCode(`${flip[0]} ${n.right.getText()}`) : '',
          ],
        });
      const isOne = ts.isNumericLiteral(n.right) && n.right.text === '1';
      if (
        isOne &&
        (op.kind === ts.SyntaxKind.MinusToken || op.kind === ts.SyntaxKind.PlusToken) &&
        !ts.isStringLiteral(n.left)
      )
        out.push({
          what: `a bound off by one (\`${op.getText()} 1\`)`,
          edit: { start: n.left.end, end: n.end, text: '' },
          key: `${n.getText()}\0drop`,
          prior: 0.75,
          line,
          mutated: normalizeCode(n.left.getText()),
        });
      // A conjunct or disjunct too many in a condition (a guard added to an `if` that now skips a needed step):
      // the condition without it. Only in tests (`if`, `while`, `?:`), where dropping one side keeps the type.
      const logical =
        op.kind === ts.SyntaxKind.AmpersandAmpersandToken || op.kind === ts.SyntaxKind.BarBarToken;
      if (logical && isTested(n))
        for (const [keep, drop] of [
          [n.left, n.right],
          [n.right, n.left],
        ] as const)
          out.push({
            what: `a condition with \`${drop.getText().slice(0, 40)}\` too many`,
            edit: { start: n.getStart(), end: n.end, text: keep.getText() },
            key: `${n.getText()}\0keep:${keep.getText()}`,
            prior: 0.45,
            line,
            mutated: normalizeCode(keep.getText()),
          });
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

/**
 * An operand that identifies a comparison: not a literal or `undefined`/`null`/`true`/`false`, which half the
 * comparisons of a file share (`!== 'string'`, `=== undefined`).
 */
function telling(e: ts.Expression): boolean {
  if (ts.isLiteralExpression(e) || ts.isNoSubstitutionTemplateLiteral(e)) return false;
  if (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand)) return false;
  const k = e.kind;
  if (k === ts.SyntaxKind.NullKeyword || k === ts.SyntaxKind.TrueKeyword || k === ts.SyntaxKind.FalseKeyword)
    return false;
  return !(ts.isIdentifier(e) && e.text === 'undefined');
}

/** Whether an expression is (a part of) the test of an `if`, a loop or a conditional expression. */
function isTested(e: ts.Expression): boolean {
  let n: ts.Node = e;
  while (
    n.parent &&
    (ts.isParenthesizedExpression(n.parent) ||
      (ts.isBinaryExpression(n.parent) &&
        (n.parent.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ||
          n.parent.operatorToken.kind === ts.SyntaxKind.BarBarToken)))
  )
    n = n.parent;
  const p = n.parent;
  return (
    !!p &&
    (((ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) && p.expression === n) ||
      (ts.isConditionalExpression(p) && p.condition === n) ||
      (ts.isForStatement(p) && p.condition === n))
  );
}

/** The innermost node starting at or holding `pos`. */
function nodeAt(sf: ts.SourceFile, pos: number): ts.Node {
  let found: ts.Node = sf;
  const visit = (n: ts.Node): void => {
    if (n.getStart() <= pos && pos < n.end) {
      found = n;
      n.forEachChild(visit);
    }
  };
  sf.forEachChild(visit);
  return found;
}

/** How much a kind of issue says "a condition is wrong": behaviour most, errors less, the rest little. */
const KIND_WEIGHT: Record<IssueView['kind'], number> = {
  behavioral: 1,
  error: 0.6,
  performance: 0.4,
  coverage: 0.3,
};

export class ConditionTemplate implements FixStrategy {
  readonly name = 'template-condition';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'revert-hunks', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const removed = await removedBySuspect(input);
    const candidates = await draftsOnEvidenceFiles(this, input, TOP_LINES, (path, text, lines) =>
      conditionDrafts(path, text, lines, removed.get(path) ?? [], input.issue.kind),
    );
    return candidates.slice(0, 8);
  }
}

/** Lines the top suspect commit removed, per file, normalised: a mutation that restores one undoes the commit. */
async function removedBySuspect(input: FixInput): Promise<Map<string, string[]>> {
  const suspect = topSuspect(input.issue);
  if (!suspect) return new Map();
  // Without the commit (another mirror, a rewritten history) the mutations still stand, only unconfirmed.
  const texts = changedTexts(parseUnifiedDiff(await input.repo.commitDiff(suspect.sha).catch(() => '')));
  return new Map([...texts].map(([p, t]) => [p, t.removed]));
}

export function conditionDrafts(
  path: string,
  text: string,
  lines: ReadonlyArray<{ line: number; weight: number }>,
  removed: readonly string[],
  kind: IssueView['kind'],
): Draft[] {
  const sf = parse(path, text);
  const weightOf = new Map(lines.map((l) => [l.line, l.weight]));
  const mutations = [...weightOf.keys()].flatMap((l) => mutationsOnLine(sf, l));
  const sourceLines = text.split('\n');
  const removedSet = new Set(removed);
  const drafts: Draft[] = [];
  const restores = (m: Mutation): boolean => {
    const lineText = sourceLines[m.line - 1] ?? '';
    const lineStart = sf.getPositionOfLineAndCharacter(m.line - 1, 0);
    const mutated = applyEdits(lineText, [
      { ...m.edit, start: m.edit.start - lineStart, end: m.edit.end - lineStart },
    ]);
    return mutated !== undefined && removedSet.has(normalizeCode(mutated));
  };
  // The suspect commit removed code holding the mutated comparison (`a >= b` inside a longer line it rewrote):
  // weaker than the whole line, stronger than nothing. Bounds (`x - 1` to `x`) are too short to tell.
  const restoresExpression = (m: Mutation): boolean =>
    !m.key.endsWith('\0drop') && !m.key.includes('\0keep:') && removed.some((r) => r.includes(m.mutated));
  // Weaker still: the removed code compared one of the same operands with the new operator (the commit rewrote the
  // other side too, `(get(sku) ?? 0) >= q` into `unitsIn(sku) > q`).
  const restoresOperator = (m: Mutation): boolean => {
    if (!m.sides) return false;
    // Whole operators only: `a >` must not find `a >=`, nor `> 5` find `>> 5` or `> 50`.
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // `typeof x === ...` compares the type, not `x`.
    const left = m.sides[0] ? new RegExp(`(?<![\\w$.])(?<!typeof )${esc(m.sides[0])}(?![=<>])`) : undefined;
    const right = m.sides[1] ? new RegExp(`(?<![=<>!])${esc(m.sides[1])}(?![\\w$.])`) : undefined;
    return removed.some((r) => !!left?.test(r) || !!right?.test(r));
  };
  const fitOf = (m: Mutation): number => {
    const w = weightOf.get(m.line) ?? 0.1;
    const base = m.prior * (0.4 + 0.45 * w) * KIND_WEIGHT[kind];
    if (restores(m)) return Math.max(base, 0.95);
    if (restoresExpression(m)) return Math.max(base, 0.9);
    if (restoresOperator(m)) return Math.max(base, 0.85);
    return base;
  };

  for (const m of mutations)
    drafts.push({
      path,
      text: applyEdits(text, [m.edit])!,
      rationale: `Changes the condition at ${path}:${m.line}: the evidence points at ${m.what}${restores(m) ? ', and the suspect commit made this very change' : restoresExpression(m) ? ', and the suspect commit removed this comparison' : restoresOperator(m) ? ', as the code compared before the suspect commit' : ''}.`,
      fit: fitOf(m),
    });
  // The same mutation of the same expression on several evidence lines, and on the other occurrences of that
  // expression in the function around them, at once: a bound written twice is usually wrong twice.
  const groups = new Map<string, Mutation[]>();
  for (const m of mutations) groups.set(m.key, [...(groups.get(m.key) ?? []), m]);
  for (const group of groups.values()) {
    const fn = enclosingFunction(nodeAt(sf, group[0]!.edit.start));
    const siblings = fn
      ? [...new Set(collect(fn, ts.isBinaryExpression).map((b) => startLine(b.operatorToken)))]
          .filter((l) => !weightOf.has(l))
          .flatMap((l) => mutationsOnLine(sf, l))
          .filter((m) => m.key === group[0]!.key)
      : [];
    const all = [...group, ...siblings];
    if (all.length < 2) continue;
    const out = applyEdits(
      text,
      all.map((m) => m.edit),
    );
    if (!out) continue;
    drafts.push({
      path,
      text: out,
      rationale: `Changes the same condition on ${all.length} lines of ${path} (${all.map((m) => m.line).join(', ')}): ${group[0]!.what}.`,
      fit: Math.min(1, Math.max(...group.map(fitOf)) + (group.length > 1 ? 0.05 : 0.02)),
    });
  }
  return drafts;
}
