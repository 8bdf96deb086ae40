import ts from 'typescript';
import type { CandidateChange, FixInput, FixStrategy, RemedyKind } from '../types.js';
import {
  applyEdits,
  collect,
  draftsOnEvidenceFiles,
  isFunctionNode,
  parse,
  startLine,
  type Draft,
} from './ast.js';

/**
 * A variable replaced by a donor from the same scope (TBar's "variable replacement", with the donor chosen the way
 * such bugs happen): the code reads the raw value `x` where the function already derived a better one from it
 * (`const address = url; ... address = this.get('Location')`, `mount_path = typeof path === 'string' ? path : '/'`)
 * and goes on using `x`. On the evidence lines, `x` becomes the derived variable; a name that contains the other
 * (`path`, `mount_path`) fits better.
 */

interface Derived {
  name: string;
  /** Where the variable is declared (it must be before the use to be a donor). */
  declaredAt: number;
}

/** Names declared by an enclosing function as parameters or variables (not globals, imports or properties). */
function scopeNames(fn: ts.Node): Set<string> {
  const out = new Set<string>();
  if (isFunctionNode(fn)) for (const p of fn.parameters) if (ts.isIdentifier(p.name)) out.add(p.name.text);
  for (const d of collect(fn, ts.isVariableDeclaration)) if (ts.isIdentifier(d.name)) out.add(d.name.text);
  return out;
}

/** Operators whose result is a truth value, not their operands' value. */
const DECIDING = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
]);

/**
 * Whether the value of `i` can become (part of) the value of `root`: not when it only decides something on the way
 * (a condition's test, a comparison, `!x`, `typeof x`, a callback's body). `preferred = weight > LIMIT ? ['dpd'] : ['dhl']` chooses
 * by the weight; the list is no better version of it.
 */
function flowsInto(i: ts.Node, root: ts.Node): boolean {
  for (let node = i; node !== root; node = node.parent) {
    const p = node.parent;
    if (ts.isConditionalExpression(p) && p.condition === node) return false;
    if (ts.isBinaryExpression(p) && DECIDING.has(p.operatorToken.kind)) return false;
    if (ts.isPrefixUnaryExpression(p) && p.operator === ts.SyntaxKind.ExclamationToken) return false;
    if (ts.isTypeOfExpression(p)) return false;
    // Read inside a callback (`list.find((c) => serves(c, x))`): the callback decides, the result is another value.
    if (ts.isArrowFunction(p) || ts.isFunctionExpression(p)) return false;
  }
  return true;
}

/** Variables of `fn` that some initialiser or assignment derives from `source`. */
function derivedFrom(fn: ts.Node, source: string): Derived[] {
  const out = new Map<string, Derived>();
  // The whole value, not a part of it: `d = x`, `d = f(x)`, `d = c ? x : y`, not `d = [x.name]` (built from x's
  // parts) nor `d = x > 5 ? a : b` (chosen by x).
  const mentions = (e: ts.Node) =>
    collect(e, ts.isIdentifier).some(
      (i) =>
        i.text === source &&
        !isPropertyName(i) &&
        !(
          (ts.isPropertyAccessExpression(i.parent) || ts.isElementAccessExpression(i.parent)) &&
          i.parent.expression === i
        ) &&
        flowsInto(i, e),
    );
  const declared = new Map<string, number>();
  for (const d of collect(fn, ts.isVariableDeclaration))
    if (ts.isIdentifier(d.name)) {
      declared.set(d.name.text, d.name.getStart());
      if (d.initializer && d.name.text !== source && mentions(d.initializer))
        out.set(d.name.text, { name: d.name.text, declaredAt: d.name.getStart() });
    }
  for (const b of collect(fn, ts.isBinaryExpression)) {
    if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(b.left)) continue;
    const name = b.left.text;
    const at = declared.get(name);
    if (name !== source && at !== undefined && mentions(b.right) && !out.has(name))
      out.set(name, { name, declaredAt: at });
  }
  return [...out.values()];
}

const isPropertyName = (i: ts.Identifier): boolean =>
  (ts.isPropertyAccessExpression(i.parent) && i.parent.name === i) ||
  (ts.isPropertyAssignment(i.parent) && i.parent.name === i) ||
  (ts.isMethodDeclaration(i.parent) && i.parent.name === i);

/** A read of a variable: not a property name, not a declaration, not the target of an assignment. */
function isRead(i: ts.Identifier): boolean {
  const p = i.parent;
  if (isPropertyName(i)) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p)) && p.name === i)
    return false;
  if (ts.isBinaryExpression(p) && p.left === i && p.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return false;
  if (ts.isShorthandPropertyAssignment(p)) return false;
  return true;
}

const related = (a: string, b: string): boolean => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.includes(y) || y.includes(x);
};

export function donorDrafts(
  path: string,
  text: string,
  lines: ReadonlyArray<{ line: number; weight: number }>,
): Draft[] {
  const sf = parse(path, text);
  const weightOf = new Map(lines.map((l) => [l.line, l.weight]));
  const reads = collect(sf, ts.isIdentifier).filter((i) => weightOf.has(startLine(i)) && isRead(i));
  // Group the reads by name and by the function that declares the name: one candidate replaces every read of it.
  const groups = new Map<string, { fn: ts.Node; name: string; reads: ts.Identifier[] }>();
  for (const i of reads) {
    const owner = declaringFunction(i);
    if (!owner) continue;
    const key = `${owner.pos}:${i.text}`;
    const g = groups.get(key) ?? { fn: owner, name: i.text, reads: [] };
    g.reads.push(i);
    groups.set(key, g);
  }
  const drafts: Draft[] = [];
  for (const g of groups.values()) {
    for (const d of derivedFrom(g.fn, g.name)) {
      const uses = g.reads.filter((r) => r.getStart() > d.declaredAt);
      // The derivation itself reads the source: those reads stay.
      const replaced = uses.filter((r) => !isInDerivationOf(r, d.name));
      if (replaced.length === 0) continue;
      const w = Math.max(...uses.map((r) => weightOf.get(startLine(r)) ?? 0));
      const fit =
        (0.45 + (related(d.name, g.name) ? 0.1 : 0)) * (0.5 + 0.5 * w) +
        0.05 * Math.min(replaced.length - 1, 2);
      const draft = (reads: ts.Identifier[], fit: number): Draft | null => {
        const out = applyEdits(
          text,
          reads.map((r) => ({ start: r.getStart(), end: r.end, text: d.name })),
        );
        if (!out) return null;
        return {
          path,
          text: out,
          rationale: `Uses \`${d.name}\`, which the function derives from \`${g.name}\`, instead of \`${g.name}\` at ${path}:${[...new Set(reads.map(startLine))].join(', ')}: the raw value was used where the derived one was meant.`,
          fit,
        };
      };
      const onEvidence = draft(replaced, fit);
      if (onEvidence) drafts.push(onEvidence);
      // The same slip usually repeats in the lines around it that the evidence missed (both branches of a switch on
      // the response type): every read of the source after the donor's last assignment, where the donor holds its
      // final value. Ranked just below the evidence's own reads.
      const settled = lastAssignment(g.fn, d.name);
      const later = readsIn(g.fn, g.name).filter(
        (r) => r.getStart() > settled && !isInDerivationOf(r, d.name),
      );
      if (later.length > replaced.length && replaced.every((r) => later.includes(r))) {
        const everyLater = draft(later, fit * 0.95);
        if (everyLater) drafts.push(everyLater);
      }
    }
  }
  return drafts;
}

/** The nearest enclosing function that declares the identifier's name (parameter or variable). */
function declaringFunction(i: ts.Identifier): ts.Node | undefined {
  for (let n: ts.Node | undefined = i.parent; n; n = n.parent)
    if (isFunctionNode(n) && scopeNames(n).has(i.text)) return n;
  return undefined;
}

/** Every read of `name` inside `fn` (nested functions included) that means `fn`'s own variable. */
function readsIn(fn: ts.Node, name: string): ts.Identifier[] {
  return collect(fn, ts.isIdentifier).filter(
    (i) => i.text === name && isRead(i) && declaringFunction(i) === fn,
  );
}

/** Where `name` last gets a value in `fn`: its declaration or its last plain assignment, by position. */
function lastAssignment(fn: ts.Node, name: string): number {
  let at = -1;
  for (const d of collect(fn, ts.isVariableDeclaration))
    if (ts.isIdentifier(d.name) && d.name.text === name) at = Math.max(at, d.end);
  for (const b of collect(fn, ts.isBinaryExpression))
    if (b.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(b.left) && b.left.text === name)
      at = Math.max(at, b.end);
  return at;
}

/** Whether an identifier is part of what is assigned to `name` (`name = f(x)` or `const name = x`). */
function isInDerivationOf(i: ts.Node, name: string): boolean {
  for (let n: ts.Node | undefined = i.parent; n && !ts.isStatement(n); n = n.parent) {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) return true;
    if (ts.isBinaryExpression(n) && ts.isIdentifier(n.left) && n.left.text === name) return true;
  }
  return false;
}

export class DonorVariableTemplate implements FixStrategy {
  readonly name = 'template-donor-variable';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'revert-hunks', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    return (await draftsOnEvidenceFiles(this, input, 6, donorDrafts)).slice(0, 6);
  }
}
