import ts from 'typescript';
import { focusLine, SCRIPT_FILE, topLines } from '../evidence.js';
import type { CandidateChange, FixInput, FixStrategy, RemedyKind } from '../types.js';
import {
  applyEdits,
  enclosingStatement,
  indentAt,
  lineStartAt,
  parse,
  reindent,
  startLine,
  toCandidates,
  type Draft,
  type TextEdit,
} from './ast.js';

/**
 * Guard at the failing access (TBar's "null pointer checker", Getafix's most frequent pattern): on the evidence
 * line, the value read through is checked before use, either by optional chaining or by running the statement only
 * when the value is there. Which one fits depends on the statement: a call statement whose result nobody uses
 * takes `?.` naturally; a statement that hands the value on (pushes it, passes it) would hand on `undefined` after
 * `?.`, so skipping the statement fits better there.
 */

type Access = ts.PropertyAccessExpression | ts.ElementAccessExpression;

/** Globals and namespaces that are never the missing value. */
const NEVER_MISSING = new Set([
  'Math',
  'JSON',
  'Object',
  'Array',
  'Number',
  'String',
  'Boolean',
  'Promise',
  'Date',
  'console',
  'process',
  'Symbol',
  'Reflect',
  'globalThis',
]);

/**
 * The property an error message says was read (`Cannot read properties of undefined (reading 'x')`, `Cannot read
 * property 'x' of null`, `x.y is not a function`). The message is untrusted: only compared with names in the code.
 */
export function propertyRead(message: string): string | undefined {
  const m =
    /reading '([^']{1,80})'/.exec(message) ??
    /property '([^']{1,80})' of (?:undefined|null)/.exec(message) ??
    /\.([A-Za-z_$][\w$]{0,80}) is not a function/.exec(message);
  return m?.[1];
}

interface Receiver {
  access: Access;
  /** The receiver as written (with a `!` if it has one). */
  node: ts.Expression;
  /** The guarded value's text, without a non-null assertion. */
  value: string;
  rank: number;
}

const isAccess = (n: ts.Node): n is Access =>
  ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n);

/** Accesses on the line whose receiver might be missing, best first. */
export function receiversOnLine(sf: ts.SourceFile, line: number, read: string | undefined): Receiver[] {
  const out: Receiver[] = [];
  const visit = (n: ts.Node): void => {
    if (isAccess(n) && !n.questionDotToken) {
      const at = ts.isPropertyAccessExpression(n) ? n.name : n.argumentExpression;
      if (startLine(at) === line) {
        const r = rankReceiver(n, read);
        if (r) out.push(r);
      }
    }
    n.forEachChild(visit);
  };
  visit(sf);
  const focused = read ? out.filter((r) => accessedName(r.access) === read) : [];
  const list = focused.length > 0 ? focused : out;
  return list.sort((a, b) => b.rank - a.rank);
}

const accessedName = (a: Access): string | undefined =>
  ts.isPropertyAccessExpression(a)
    ? a.name.text
    : ts.isStringLiteral(a.argumentExpression)
      ? a.argumentExpression.text
      : undefined;

function rankReceiver(access: Access, read: string | undefined): Receiver | undefined {
  const node = access.expression;
  const inner = ts.isNonNullExpression(node) ? node.expression : node;
  if (
    inner.kind === ts.SyntaxKind.ThisKeyword ||
    inner.kind === ts.SyntaxKind.SuperKeyword ||
    ts.isLiteralExpression(inner) ||
    ts.isArrayLiteralExpression(inner) ||
    ts.isObjectLiteralExpression(inner) ||
    (ts.isIdentifier(inner) && (NEVER_MISSING.has(inner.text) || alwaysDefined(inner)))
  )
    return undefined;
  // An assignment target cannot take `?.` and is not where a read fails.
  if (ts.isBinaryExpression(access.parent) && access.parent.left === access && isAssignment(access.parent))
    return undefined;
  let rank = ts.isNonNullExpression(node)
    ? 1 // the author asserted the value is there: the classic place it is not
    : ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner)
      ? 0.6
      : ts.isIdentifier(inner)
        ? 0.45
        : 0.3;
  if (read !== undefined && accessedName(access) === read) rank = Math.max(rank, 0.9);
  return { access, node, value: inner.getText(), rank };
}

/**
 * A local constant initialised with a literal, an array, an object or a `new`: it holds a value on every path, so
 * it is not the one that was missing. Found by name in the enclosing scopes (no type checker: syntax only).
 */
function alwaysDefined(id: ts.Identifier): boolean {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!(ts.isBlock(scope) || ts.isSourceFile(scope))) continue;
    for (const st of scope.statements) {
      if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== id.text || !d.initializer) continue;
        const init = d.initializer;
        return (
          ts.isArrayLiteralExpression(init) ||
          ts.isObjectLiteralExpression(init) ||
          ts.isNewExpression(init) ||
          ts.isLiteralExpression(init) ||
          ts.isTemplateExpression(init)
        );
      }
    }
  }
  return false;
}

const isAssignment = (b: ts.BinaryExpression): boolean =>
  b.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
  b.operatorToken.kind <= ts.SyntaxKind.LastAssignment;

/** The edit that removes a receiver's non-null assertion (once guarded it is noise and hides the next bug). */
function dropAssertion(r: Receiver): TextEdit | undefined {
  if (!ts.isNonNullExpression(r.node)) return undefined;
  return { start: r.node.expression.end, end: r.node.end, text: '' };
}

/** The edit turning `a.b` / `a!.b` / `a[i]` into `a?.b` / `a?.[i]`. */
function optionalEdit(r: Receiver): TextEdit {
  const a = r.access;
  const from = r.node.end;
  if (ts.isPropertyAccessExpression(a)) {
    const start = ts.isNonNullExpression(r.node) ? r.node.expression.end : from;
    return { start, end: a.name.getStart(), text: '?.' };
  }
  const start = ts.isNonNullExpression(r.node) ? r.node.expression.end : from;
  return { start, end: a.argumentExpression.getStart() - 1, text: '?.' };
}

/** Whether the value of the access chain is thrown away: `a.b.c();` as a statement, nothing reads its result. */
function resultUnused(access: Access, stmt: ts.Statement): boolean {
  let top: ts.Node = access;
  while (
    top.parent &&
    ((ts.isCallExpression(top.parent) && top.parent.expression === top) ||
      (isAccess(top.parent) && top.parent.expression === top) ||
      ts.isNonNullExpression(top.parent) ||
      ts.isAwaitExpression(top.parent))
  )
    top = top.parent;
  return ts.isExpressionStatement(stmt) && stmt.expression === top;
}

/** The access and the chain levels above it, innermost first (`a.b`, `a.b.c`, `a.b.c()` for the access `a.b`). */
function chainLevels(access: Access): ts.Expression[] {
  const out: ts.Expression[] = [access];
  let top: ts.Expression = access;
  while (
    top.parent &&
    ((ts.isCallExpression(top.parent) && top.parent.expression === top) ||
      (isAccess(top.parent) && top.parent.expression === top) ||
      ts.isNonNullExpression(top.parent))
  ) {
    top = top.parent as ts.Expression;
    if (
      !ts.isNonNullExpression(top) &&
      !(isAccess(top) && ts.isCallExpression(top.parent) && top.parent.expression === top)
    )
      out.push(top);
  }
  return out;
}

/** Where `x ?? d` can replace `x` without parentheses: the whole of a declaration, return, argument or element. */
function safeInPlace(e: ts.Expression): boolean {
  const p = e.parent;
  return (
    (ts.isVariableDeclaration(p) && p.initializer === e) ||
    (ts.isReturnStatement(p) && p.expression === e) ||
    (ts.isCallExpression(p) && p.arguments.includes(e)) ||
    (ts.isPropertyAssignment(p) && p.initializer === e) ||
    ts.isArrayLiteralExpression(p)
  );
}

/** An access chain's text without `?.`, `!` and layout: `a?.b!.c` and `a.b.c` name the same value. */
const chainKey = (e: ts.Node): string =>
  e.getText().replace(/\s+/g, '').replace(/\?\./g, '.').replace(/!/g, '');

/**
 * A donor default for a chain: the right side of `<same chain> ?? d` or `<same chain> || d` in the enclosing
 * function (any expression: it is in scope), else anywhere in the file (only a literal, which needs no scope).
 */
function donorFor(chain: ts.Expression, sf: ts.SourceFile): { text: string; near: boolean } | undefined {
  const key = chainKey(chain);
  const fn = (() => {
    for (let n: ts.Node | undefined = chain.parent; n; n = n.parent) if (ts.isFunctionLike(n)) return n;
    return undefined;
  })();
  const defaults = (root: ts.Node) => {
    const out: ts.Expression[] = [];
    const visit = (n: ts.Node): void => {
      if (
        ts.isBinaryExpression(n) &&
        (n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
          n.operatorToken.kind === ts.SyntaxKind.BarBarToken) &&
        chainKey(n.left) === key
      )
        out.push(n.right);
      n.forEachChild(visit);
    };
    visit(root);
    return out;
  };
  const near = fn ? defaults(fn)[0] : undefined;
  if (near) return { text: near.getText(), near: true };
  const literal = defaults(sf).find(
    (d) =>
      ts.isLiteralExpression(d) || ts.isArrayLiteralExpression(d) || d.kind === ts.SyntaxKind.NullKeyword,
  );
  return literal ? { text: literal.getText(), near: false } : undefined;
}

/** Lower precedence than `&&`: must be parenthesised before `&& value` is added. */
function needsParens(e: ts.Expression): boolean {
  if (ts.isConditionalExpression(e) || ts.isArrowFunction(e) || ts.isYieldExpression(e)) return true;
  if (!ts.isBinaryExpression(e)) return false;
  const k = e.operatorToken.kind;
  return (
    k === ts.SyntaxKind.BarBarToken ||
    k === ts.SyntaxKind.QuestionQuestionToken ||
    k === ts.SyntaxKind.CommaToken ||
    isAssignment(e)
  );
}

/** Whether the access chain's value only feeds a comparison or a condition (where `undefined` reads as "no"). */
function inTest(access: Access): boolean {
  let top: ts.Node = access;
  while (
    top.parent &&
    ((ts.isCallExpression(top.parent) && top.parent.expression === top) ||
      (isAccess(top.parent) && top.parent.expression === top))
  )
    top = top.parent;
  const p = top.parent;
  if (!p) return false;
  if (ts.isBinaryExpression(p)) {
    const k = p.operatorToken.kind;
    return (
      (k >= ts.SyntaxKind.LessThanToken && k <= ts.SyntaxKind.ExclamationEqualsEqualsToken) ||
      k === ts.SyntaxKind.AmpersandAmpersandToken ||
      k === ts.SyntaxKind.BarBarToken
    );
  }
  return (
    (ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isConditionalExpression(p)) &&
    (p as { expression?: ts.Node }).expression === top
  );
}

/** `!v`, `v == null`, `v === undefined`, `v === null`: a test that `v` is missing. */
function testsMissing(e: ts.Expression, value: string): boolean {
  if (ts.isParenthesizedExpression(e)) return testsMissing(e.expression, value);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken)
    return e.operand.getText() === value;
  if (ts.isBinaryExpression(e)) {
    const k = e.operatorToken.kind;
    const eq = k === ts.SyntaxKind.EqualsEqualsToken || k === ts.SyntaxKind.EqualsEqualsEqualsToken;
    const nothing = (x: ts.Expression) => x.kind === ts.SyntaxKind.NullKeyword || x.getText() === 'undefined';
    if (
      eq &&
      ((e.left.getText() === value && nothing(e.right)) || (e.right.getText() === value && nothing(e.left)))
    )
      return true;
    if (k === ts.SyntaxKind.BarBarToken) return testsMissing(e.left, value) || testsMissing(e.right, value);
  }
  return false;
}

/** Leaves the function or loop on every path: `throw`, `return`, or a block ending in one. */
function exits(s: ts.Statement): boolean {
  if (
    ts.isThrowStatement(s) ||
    ts.isReturnStatement(s) ||
    ts.isContinueStatement(s) ||
    ts.isBreakStatement(s)
  )
    return true;
  return ts.isBlock(s) && s.statements.length > 0 && exits(s.statements.at(-1)!);
}

/** A later statement of the same block that leaves when `value` is missing, if nothing between reassigns it. */
function laterCheck(stmt: ts.Statement, value: string): ts.IfStatement | undefined {
  const block = stmt.parent;
  if (!ts.isBlock(block) && !ts.isSourceFile(block)) return undefined;
  const i = block.statements.indexOf(stmt);
  for (const s of block.statements.slice(i + 1, i + 4)) {
    if (
      ts.isIfStatement(s) &&
      !s.elseStatement &&
      testsMissing(s.expression, value) &&
      exits(s.thenStatement)
    )
      return s;
  }
  return undefined;
}

export function guardDrafts(path: string, text: string, line: number, message: string): Draft[] {
  const sf = parse(path, text);
  const receivers = receiversOnLine(sf, line, propertyRead(message));
  const drafts: Draft[] = [];
  const seen = new Set<string>();
  for (const r of receivers) {
    if (seen.has(r.value) || seen.size >= 2) continue;
    seen.add(r.value);
    const stmt = enclosingStatement(r.access);
    if (!stmt) continue;
    const unused = resultUnused(r.access, stmt);
    const tested = inTest(r.access);
    const where = `${path}:${line}`;
    // 1. optional chaining at the access: natural where nothing reads the result, or where a comparison or a
    // condition reads it (`undefined === 2` is simply false)
    drafts.push({
      path,
      text: applyEdits(text, [optionalEdit(r)])!,
      rationale: `Reads through \`${r.value}\` with optional chaining at ${where}, where the evidence shows the value missing.`,
      fit: r.rank * (unused ? 0.8 : tested ? 0.75 : 0.45),
    });
    // 1a. where a value is needed (a declaration, an argument, a return), optional chaining with a default taken
    // from the code around it: what the same chain falls back to elsewhere
    if (!unused && !tested) {
      // The innermost level of the chain that has a donor: the accessed value itself, else what the chain makes of it.
      let chain: ts.Expression | undefined;
      let donor: { text: string; near: boolean } | undefined;
      for (const level of chainLevels(r.access)) {
        donor = donorFor(level, sf);
        if (donor) {
          chain = level;
          break;
        }
      }
      if (chain && donor) {
        const optional = optionalEdit(r);
        const chainText = applyEdits(text.slice(0, chain.end), [optional])!.slice(chain.getStart());
        const wrapped = `${chainText} ?? ${donor.text}`;
        drafts.push({
          path,
          text: applyEdits(text, [
            { start: chain.getStart(), end: chain.end, text: safeInPlace(chain) ? wrapped : `(${wrapped})` },
          ])!,
          rationale: `Reads through \`${r.value}\` with optional chaining at ${where} and falls back to \`${donor.text}\`, as the code does for the same value ${donor.near ? 'in this function' : 'elsewhere in the file'}.`,
          fit: r.rank * (donor.near ? 0.72 : 0.55),
        });
      }
    }
    // 1b. `x.f is not a function`: the method may be missing, not the object; call it only when it is there
    const call = r.access.parent;
    if (
      /is not a function/.test(message) &&
      ts.isCallExpression(call) &&
      call.expression === r.access &&
      !call.questionDotToken
    )
      drafts.push({
        path,
        text: applyEdits(text, [{ start: r.access.end, end: r.access.end, text: '?.' }])!,
        rationale: `Calls \`${r.access.getText()}\` at ${where} only when it is a function there; the error says it was not.`,
        fit: r.rank * (unused ? 0.8 : 0.5),
      });
    // 2. a check of the value that comes after the use: moved up, before it
    const check = laterCheck(stmt, r.value);
    if (check) {
      const ind = indentAt(text, stmt.getStart());
      const at = lineStartAt(text, stmt.getStart());
      const from = lineStartAt(text, check.getStart());
      const to = text.indexOf('\n', check.end) + 1 || text.length;
      drafts.push({
        path,
        text: applyEdits(text, [
          {
            start: at,
            end: at,
            text: `${ind}${reindent(check.getText(), indentAt(text, check.getStart()), ind)}\n`,
          },
          { start: from, end: to, text: '' },
        ])!,
        rationale: `Moves the check of \`${r.value}\` above its first use at ${where}: the value was read before the code made sure it is there.`,
        fit: r.rank * 0.85,
      });
    }
    if (!ts.isExpressionStatement(stmt)) continue; // a declaration or a return cannot be skipped without a default
    const drop = dropAssertion(r);
    const inner = drop
      ? applyEdits(stmt.getText(), [
          { start: drop.start - stmt.getStart(), end: drop.end - stmt.getStart(), text: '' },
        ])!
      : stmt.getText();
    const indent = indentAt(text, stmt.getStart());
    const oneLine = !inner.includes('\n');
    const guarded = (cond: string, ind: string) =>
      oneLine
        ? `if (${cond}) ${inner}`
        : `if (${cond}) {\n${ind}  ${reindent(inner, indent, `${ind}  `)}\n${ind}}`;
    const base = r.rank * (unused ? 0.7 : 0.8);
    const parent = stmt.parent;
    for (const [cond, less] of [
      [r.value, 0],
      [`${r.value} != null`, 0.05],
    ] as const) {
      if (ts.isIfStatement(parent) && parent.thenStatement === stmt) {
        // The statement is an if's branch: nest the check in braces so an `else` keeps its meaning, or add it to the
        // branch's condition (then a missing value takes the `else`).
        const ifIndent = indentAt(text, parent.getStart());
        // With an else, the closing brace takes the else onto its line (`} else`), as formatters write it.
        const elseAt = parent
          .getChildren()
          .find((c) => c.kind === ts.SyntaxKind.ElseKeyword)
          ?.getStart();
        const block = `{\n${ifIndent}  ${guarded(cond, `${ifIndent}  `)}\n${ifIndent}}`;
        drafts.push({
          path,
          text: applyEdits(text, [
            elseAt === undefined
              ? { start: stmt.getStart(), end: stmt.end, text: block }
              : { start: stmt.getStart(), end: elseAt, text: `${block} ` },
          ])!,
          rationale: `Runs the statement at ${where} only when \`${r.value}\` is there; the evidence shows it missing.`,
          fit: base - less,
        });
        const c = parent.expression;
        drafts.push({
          path,
          text: applyEdits(text, [
            {
              start: c.getStart(),
              end: c.end,
              text: `${needsParens(c) ? `(${c.getText()})` : c.getText()} && ${cond}`,
            },
            ...(drop ? [drop] : []),
          ])!,
          rationale: `Adds \`${cond}\` to the condition at ${where}: the branch ran with the value missing.`,
          fit: base - less - (parent.elseStatement ? 0.1 : 0.02),
        });
      } else if (
        ts.isBlock(parent) ||
        ts.isSourceFile(parent) ||
        ts.isCaseClause(parent) ||
        ts.isDefaultClause(parent)
      ) {
        drafts.push({
          path,
          text: applyEdits(text, [{ start: stmt.getStart(), end: stmt.end, text: guarded(cond, indent) }])!,
          rationale: `Runs the statement at ${where} only when \`${r.value}\` is there; the evidence shows it missing.`,
          fit: base - less,
        });
      }
    }
  }
  // Several values asserted present on the line (`a!.x && b!.y`): which one is missing differs per input, so all
  // of them read through optional chaining at once.
  const asserted = receivers.filter((r) => ts.isNonNullExpression(r.node));
  if (new Set(asserted.map((r) => r.value)).size >= 2) {
    const edits = asserted.map(optionalEdit);
    const out = applyEdits(text, edits);
    const tested = asserted.every(
      (r) => inTest(r.access) || resultUnused(r.access, enclosingStatement(r.access)!),
    );
    if (out)
      drafts.push({
        path,
        text: out,
        rationale: `Reads through ${[...new Set(asserted.map((r) => `\`${r.value}\``))].join(', ')} with optional chaining at ${path}:${line}: each was asserted present, and the evidence shows one missing.`,
        fit: tested ? 0.85 : 0.5,
      });
  }
  return drafts;
}

export class GuardTemplate implements FixStrategy {
  readonly name = 'template-guard';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    // A guard changes what the code does only where a missing value would have thrown: without an error in the
    // evidence (a step that moved, a slower route, a template never seen before) there is nothing it can fix, and
    // it would still pass every test (seen: `log.info` -> `log?.info` proposed for a rare coupon's log line).
    if (input.issue.kind !== 'error') return [];
    const message = String(input.issue.evidence['errorTemplate'] ?? '');
    const originals = new Map<string, string>();
    const drafts: Draft[] = [];
    // The focus line first; when nothing there can be missing (a comment, a line the stack maps imprecisely), the
    // next evidence lines, each fitting less than the line before.
    let tried = 0;
    for (const at of guardSites(input)) {
      if (tried >= 3) break;
      const text = originals.get(at.path) ?? (await input.repo.read(at.path));
      if (text === undefined) continue;
      originals.set(at.path, text);
      const found = guardDrafts(at.path, text, at.line, message);
      if (found.length === 0) continue;
      tried++;
      drafts.push(...found.map((d) => ({ ...d, fit: d.fit * at.weight })));
    }
    return toCandidates(this, input, originals, drafts).slice(0, 6);
  }
}

/** Lines to guard at, best first: the focus line, then the evidence lines, with a weight for each. */
function guardSites(input: FixInput): Array<{ path: string; line: number; weight: number }> {
  const out: Array<{ path: string; line: number; weight: number }> = [];
  const focus = focusLine(input);
  if (focus) out.push({ ...focus, weight: 1 });
  const lines = topLines(input);
  const best = lines[0]?.score ?? 1;
  for (const l of lines)
    if (!out.some((o) => o.path === l.path && o.line === l.line))
      out.push({ path: l.path, line: l.line, weight: 0.85 * Math.max(0.1, Math.min(1, l.score / best)) });
  return out.filter((o) => SCRIPT_FILE.test(o.path));
}
