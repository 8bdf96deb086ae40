import ts from 'typescript';

/**
 * Syntax-tree helpers for the regression test: which functions a candidate changed, how an expression inside a
 * function depends on the function's parameters, and what a condition evaluates to for chosen parameter values.
 * Everything here is static; the application's code never runs.
 */

export function parse(path: string, text: string): ts.SourceFile {
  const kind = /\.tsx$/.test(path)
    ? ts.ScriptKind.TSX
    : /\.jsx$/.test(path)
      ? ts.ScriptKind.JSX
      : /\.[cm]?js$/.test(path)
        ? ts.ScriptKind.JS
        : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

/**
 * Lines (1-based) that differ between two texts, on each side: the common head and tail are cut, and what remains
 * is aligned by a longest common subsequence when it is small enough (else all of it counts as changed).
 */
export function changedLines(before: string, after: string): { before: Set<number>; after: Set<number> } {
  const a = before.split('\n').map((l) => l.trim());
  const b = after.split('\n').map((l) => l.trim());
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const ma = a.slice(head, a.length - tail);
  const mb = b.slice(head, b.length - tail);
  const out = { before: new Set<number>(), after: new Set<number>() };
  if (ma.length * mb.length > 4_000_000) {
    ma.forEach((_, i) => out.before.add(head + i + 1));
    mb.forEach((_, i) => out.after.add(head + i + 1));
    return out;
  }
  // LCS table from the end, then one walk marks the lines outside the common subsequence.
  const w = mb.length + 1;
  const dp = new Uint32Array((ma.length + 1) * w);
  for (let i = ma.length - 1; i >= 0; i--)
    for (let j = mb.length - 1; j >= 0; j--)
      dp[i * w + j] =
        ma[i] === mb[j] ? dp[(i + 1) * w + j + 1]! + 1 : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
  let i = 0;
  let j = 0;
  while (i < ma.length || j < mb.length) {
    if (i < ma.length && j < mb.length && ma[i] === mb[j]) {
      i++;
      j++;
    } else if (j >= mb.length || (i < ma.length && dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!)) {
      out.before.add(head + ++i);
    } else {
      out.after.add(head + ++j);
    }
  }
  return out;
}

export type FunctionNode =
  ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression;

export const isFunctionNode = (n: ts.Node): n is FunctionNode =>
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n);

/** The name a function is called by: its own, or the variable or property it is assigned to. */
export function functionName(fn: FunctionNode): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) return fn.name.text;
  if (ts.isMethodDeclaration(fn) && ts.isIdentifier(fn.name)) return fn.name.text;
  const p = fn.parent;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) return p.name.text;
  // `exports.f = function () {}`, `res.send = function send() {}`: the member it is assigned to.
  if (ts.isBinaryExpression(p) && p.right === fn && ts.isPropertyAccessExpression(p.left))
    return p.left.name.text;
  return undefined;
}

const hasExport = (n: ts.Node): boolean =>
  ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/**
 * How a module exports a function: under a name (`export function f`, `export { f }`, `exports.f = ...`,
 * `module.exports = { f }`), as its default export, or as the CommonJS module itself (`module.exports = f`).
 */
export interface ExportName {
  name: string;
  /** `module.exports = f`: the required module is the function. */
  module?: true;
}

const isModuleExports = (e: ts.Expression): boolean =>
  ts.isPropertyAccessExpression(e) &&
  ts.isIdentifier(e.expression) &&
  e.expression.text === 'module' &&
  e.name.text === 'exports';
/** `exports.x` or `module.exports.x`: the name x, else undefined. */
const exportsMember = (e: ts.Expression): string | undefined =>
  ts.isPropertyAccessExpression(e) &&
  ((ts.isIdentifier(e.expression) && e.expression.text === 'exports') || isModuleExports(e.expression))
    ? e.name.text
    : undefined;

export function exportNameOf(fn: FunctionNode): ExportName | undefined {
  const sf = fn.getSourceFile();
  const p = fn.parent;
  // Assigned where it is defined: `exports.f = function`, `module.exports = function f`.
  if (ts.isBinaryExpression(p) && p.right === fn && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const member = exportsMember(p.left);
    if (member) return { name: member };
    if (isModuleExports(p.left)) return { name: functionName(fn) ?? 'default', module: true };
    return undefined;
  }
  const name = functionName(fn);
  if (ts.isFunctionDeclaration(fn)) {
    if (!ts.isSourceFile(fn.parent)) return undefined;
    if (hasExport(fn)) {
      const isDefault = (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      return { name: isDefault ? 'default' : (name ?? 'default') };
    }
  } else if (ts.isVariableDeclaration(p)) {
    const stmt = p.parent.parent;
    if (!ts.isVariableStatement(stmt) || !ts.isSourceFile(stmt.parent)) return undefined;
    if (hasExport(stmt) && name) return { name };
  } else return undefined;
  if (!name) return undefined;
  // Exported elsewhere in the module: `export { f as g }`, `exports.g = f`, `module.exports = f | { g: f }`.
  for (const s of sf.statements) {
    if (
      ts.isExportDeclaration(s) &&
      !s.moduleSpecifier &&
      s.exportClause &&
      ts.isNamedExports(s.exportClause)
    ) {
      const el = s.exportClause.elements.find((e) => (e.propertyName ?? e.name).text === name);
      if (el) return { name: el.name.text };
    }
    if (ts.isExportAssignment(s) && ts.isIdentifier(s.expression) && s.expression.text === name)
      return { name: 'default' };
    if (!ts.isExpressionStatement(s) || !ts.isBinaryExpression(s.expression)) continue;
    const { left, right, operatorToken } = s.expression;
    if (operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
    const member = exportsMember(left);
    if (member && ts.isIdentifier(right) && right.text === name) return { name: member };
    if (isModuleExports(left) && ts.isIdentifier(right) && right.text === name) return { name, module: true };
    if (isModuleExports(left) && ts.isObjectLiteralExpression(right))
      for (const prop of right.properties) {
        if (ts.isShorthandPropertyAssignment(prop) && prop.name.text === name) return { name };
        if (
          ts.isPropertyAssignment(prop) &&
          ts.isIdentifier(prop.initializer) &&
          prop.initializer.text === name
        )
          return { name: prop.name.getText().replace(/^['"]|['"]$/g, '') };
      }
  }
  return undefined;
}

/** A function of the module's interface, callable by a test that imports (or requires) the module. */
export function isExportedFunction(fn: FunctionNode): boolean {
  return exportNameOf(fn) !== undefined;
}

/** Top-level functions of a module by name (declarations, `const f = () => ...`, `exports.f = function`). */
export function topFunctions(sf: ts.SourceFile): Map<string, FunctionNode> {
  const out = new Map<string, FunctionNode>();
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name && s.body) out.set(s.name.text, s);
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations)
        if (
          ts.isIdentifier(d.name) &&
          d.initializer &&
          (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
        )
          out.set(d.name.text, d.initializer);
    if (ts.isExpressionStatement(s) && ts.isBinaryExpression(s.expression)) {
      const r = s.expression.right;
      const name = exportsMember(s.expression.left);
      if (name && (ts.isArrowFunction(r) || ts.isFunctionExpression(r))) out.set(name, r);
    }
  }
  return out;
}

/**
 * A public instance method of a class declared at the module's top level: a test reaches it through an instance
 * that a donor test builds (the class itself need not be exported).
 */
export function isPublicMethod(fn: FunctionNode): fn is ts.MethodDeclaration {
  if (!ts.isMethodDeclaration(fn) || !ts.isIdentifier(fn.name)) return false;
  if (!ts.isClassDeclaration(fn.parent) || !ts.isSourceFile(fn.parent.parent)) return false;
  const hidden = [ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.StaticKeyword];
  return !(ts.getModifiers(fn) ?? []).some((m) => hidden.includes(m.kind));
}

export const isAsync = (fn: FunctionNode): boolean =>
  (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ||
  (!!fn.type && /^Promise</.test(fn.type.getText()));

/** The innermost functions that contain one of the given lines. */
export function functionsAtLines(sf: ts.SourceFile, lines: ReadonlySet<number>): FunctionNode[] {
  const found = new Set<FunctionNode>();
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (n: ts.Node, enclosing: FunctionNode | undefined): void => {
    const fn = isFunctionNode(n) ? n : enclosing;
    const from = lineOf(n.getStart(sf));
    const to = lineOf(n.getEnd());
    let inside = false;
    for (const l of lines)
      if (l >= from && l <= to) {
        inside = true;
        break;
      }
    if (!inside) return;
    let deeper = false;
    n.forEachChild((c) => {
      const cf = lineOf(c.getStart(sf));
      const ct = lineOf(c.getEnd());
      for (const l of lines)
        if (l >= cf && l <= ct) {
          deeper = true;
          break;
        }
      visit(c, fn);
    });
    if (!deeper && fn) found.add(fn);
  };
  visit(sf, undefined);
  // Report named, outermost-callable functions: an arrow inside a named function counts as that function.
  const named = new Set<FunctionNode>();
  for (let fn of found) {
    while (!functionName(fn) || (ts.isArrowFunction(fn) && !ts.isVariableDeclaration(fn.parent))) {
      const up = ancestorFunction(fn.parent);
      if (!up) break;
      fn = up;
    }
    if (functionName(fn)) named.add(fn);
  }
  return [...named];
}

export function ancestorFunction(n: ts.Node | undefined): FunctionNode | undefined {
  for (let p = n; p; p = p.parent) if (isFunctionNode(p)) return p;
  return undefined;
}

/** Code without parentheses, `as`/`satisfies` casts and non-null assertions: the value the code reads. */
export function strip(e: ts.Expression): ts.Expression {
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isTypeAssertionExpression(e)
    )
      e = e.expression;
    else return e;
  }
}

/** Compact text of code, for comparing two versions of an expression. */
export const codeKey = (n: ts.Node): string => n.getText().replace(/\s+/g, '');

// ---- parameter paths -------------------------------------------------------------------------------------------

/** A value reachable from a parameter: `address.line2` is parameter 0, props ['line2']; `[]` is an array element. */
export interface ParamPath {
  index: number;
  props: string[];
}

export const pathKey = (p: ParamPath): string => [String(p.index), ...p.props].join('.');
export const isPrefix = (a: ParamPath, b: ParamPath): boolean =>
  a.index === b.index && a.props.length < b.props.length && a.props.every((x, i) => b.props[i] === x);

/** A condition the path to some code requires: `expr` must evaluate to `want`. */
export interface Constraint {
  expr: ts.Expression;
  want: boolean;
}

function declarationOf(name: string, fn: FunctionNode): ts.Node | undefined {
  const idx = fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
  if (idx >= 0) return fn.parameters[idx];
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (n !== fn && isFunctionNode(n)) return; // names of nested functions' scopes are not this function's
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) found = n;
    else if (ts.isBindingElement(n) && ts.isIdentifier(n.name) && n.name.text === name) found = n;
    else n.forEachChild(visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/**
 * The parameter path an expression reads, with the conditions that must hold for it to be that path (a `const q =
 * typeof raw === 'string' ? Number(raw) : raw` reads `raw` when the condition is false). Undefined when the value
 * is computed rather than passed through.
 */
export function paramPathOf(
  expr: ts.Expression,
  fn: FunctionNode,
  depth = 0,
): { path: ParamPath; requires: Constraint[] } | undefined {
  if (depth > 8) return undefined;
  const e = strip(expr);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e.text, fn);
    if (!decl) return undefined;
    if (ts.isParameter(decl))
      return { path: { index: fn.parameters.indexOf(decl), props: [] }, requires: [] };
    if (ts.isVariableDeclaration(decl)) {
      const list = decl.parent;
      if (ts.isVariableDeclarationList(list) && ts.isForOfStatement(list.parent)) {
        const of = paramPathOf(list.parent.expression, fn, depth + 1);
        return of && { path: { ...of.path, props: [...of.path.props, '[]'] }, requires: of.requires };
      }
      // Only constants: a `let` may be reassigned on the way.
      if (!(list.flags & ts.NodeFlags.Const) || !decl.initializer) return undefined;
      return initializerPath(decl.initializer, fn, depth);
    }
    if (ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
      const prop = decl.propertyName ?? decl.name;
      if (!ts.isIdentifier(prop) && !ts.isStringLiteral(prop)) return undefined;
      if (decl.dotDotDotToken) return undefined;
      const holder = decl.parent.parent;
      let source: { path: ParamPath; requires: Constraint[] } | undefined;
      if (ts.isParameter(holder))
        source = { path: { index: fn.parameters.indexOf(holder), props: [] }, requires: [] };
      else if (ts.isVariableDeclaration(holder) && holder.initializer)
        source = paramPathOf(holder.initializer, fn, depth + 1);
      return (
        source && {
          path: { ...source.path, props: [...source.path.props, prop.text] },
          requires: source.requires,
        }
      );
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const base = paramPathOf(e.expression, fn, depth + 1);
    return (
      base && { path: { ...base.path, props: [...base.path.props, e.name.text] }, requires: base.requires }
    );
  }
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    const base = paramPathOf(e.expression, fn, depth + 1);
    return (
      base && {
        path: { ...base.path, props: [...base.path.props, e.argumentExpression.text] },
        requires: base.requires,
      }
    );
  }
  return undefined;
}

function initializerPath(init: ts.Expression, fn: FunctionNode, depth: number) {
  const e = strip(init);
  if (ts.isConditionalExpression(e)) {
    const t = paramPathOf(e.whenTrue, fn, depth + 1);
    const f = paramPathOf(e.whenFalse, fn, depth + 1);
    // Exactly one branch passes a parameter through: the value is that parameter when the condition says so.
    if (t && !f) return { path: t.path, requires: [...t.requires, { expr: e.condition, want: true }] };
    if (f && !t) return { path: f.path, requires: [...f.requires, { expr: e.condition, want: false }] };
    return undefined;
  }
  return paramPathOf(e, fn, depth + 1);
}

/**
 * What must hold for execution to reach `node` inside `fn`: the branches it sits in, and the early exits (`if (c)
 * throw/return`) before it in each enclosing block, which must not be taken.
 */
export function pathConstraints(node: ts.Node, fn: FunctionNode): Constraint[] {
  const out: Constraint[] = [];
  let child: ts.Node = node;
  for (let p = node.parent; p && p !== fn; child = p, p = p.parent) {
    if (ts.isIfStatement(p)) {
      if (child === p.thenStatement) out.push({ expr: p.expression, want: true });
      else if (child === p.elseStatement) out.push({ expr: p.expression, want: false });
    } else if (ts.isConditionalExpression(p)) {
      if (child === p.whenTrue) out.push({ expr: p.condition, want: true });
      else if (child === p.whenFalse) out.push({ expr: p.condition, want: false });
    } else if (ts.isBinaryExpression(p) && child === p.right) {
      if (p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)
        out.push({ expr: p.left, want: true });
      if (p.operatorToken.kind === ts.SyntaxKind.BarBarToken) out.push({ expr: p.left, want: false });
    } else if (ts.isBlock(p) || ts.isSourceFile(p)) {
      for (const s of p.statements) {
        if (s === child) break;
        if (ts.isIfStatement(s) && !s.elseStatement && exits(s.thenStatement))
          out.push({ expr: s.expression, want: false });
      }
    }
  }
  return out;
}

/** A statement after which control never falls through: throw, return, or a block ending in one. */
export function exits(s: ts.Statement): boolean {
  if (ts.isThrowStatement(s) || ts.isReturnStatement(s)) return true;
  if (ts.isBlock(s)) {
    const last = s.statements.at(-1);
    return !!last && exits(last);
  }
  return false;
}

/** A statement that ends by throwing (directly or as the last statement of its block). */
export function throwsAtEnd(s: ts.Statement): boolean {
  if (ts.isThrowStatement(s)) return true;
  if (ts.isBlock(s)) {
    const last = s.statements.at(-1);
    return !!last && throwsAtEnd(last);
  }
  return false;
}

// ---- evaluation ------------------------------------------------------------------------------------------------

/** A value the evaluator knows: a primitive, or "some object" (truthy, typeof 'object'). */
export type Known = { v: string | number | boolean | null | undefined } | { object: true } | { number: true };
export const UNKNOWN = Symbol('unknown');
export type Evaluated = Known | typeof UNKNOWN;

export type Env = (e: ts.Expression) => Evaluated;

const truthy = (k: Known): boolean | typeof UNKNOWN =>
  'object' in k ? true : 'number' in k ? UNKNOWN : Boolean(k.v);
const typeOf = (k: Known): string =>
  'object' in k ? 'object' : 'number' in k ? 'number' : k.v === null ? 'object' : typeof k.v;

/** Evaluates a condition for the values `env` gives; UNKNOWN when any part that matters is unknown. */
export function evaluate(expr: ts.Expression, env: Env): Evaluated {
  const e = strip(expr);
  const given = env(e);
  if (given !== UNKNOWN) return given;
  if (ts.isStringLiteralLike(e)) return { v: e.text };
  if (ts.isNumericLiteral(e)) return { v: Number(e.text.replace(/_/g, '')) };
  if (e.kind === ts.SyntaxKind.TrueKeyword) return { v: true };
  if (e.kind === ts.SyntaxKind.FalseKeyword) return { v: false };
  if (e.kind === ts.SyntaxKind.NullKeyword) return { v: null };
  if (ts.isIdentifier(e) && e.text === 'undefined') return { v: undefined };
  if (ts.isPrefixUnaryExpression(e)) {
    const x = evaluate(e.operand, env);
    if (x === UNKNOWN) return UNKNOWN;
    if (e.operator === ts.SyntaxKind.ExclamationToken) {
      const t = truthy(x);
      return t === UNKNOWN ? UNKNOWN : { v: !t };
    }
    if (e.operator === ts.SyntaxKind.MinusToken && 'v' in x && typeof x.v === 'number') return { v: -x.v };
    return UNKNOWN;
  }
  if (ts.isTypeOfExpression(e)) {
    const x = evaluate(e.expression, env);
    return x === UNKNOWN ? UNKNOWN : { v: typeOf(x) };
  }
  if (
    ts.isCallExpression(e) &&
    e.arguments.length === 1 &&
    /^Number\.(isInteger|isFinite|isSafeInteger)$/.test(e.expression.getText())
  ) {
    const x = evaluate(e.arguments[0]!, env);
    if (x === UNKNOWN || 'number' in x) return UNKNOWN;
    if ('object' in x) return { v: false };
    const fnName = e.expression.getText().slice('Number.'.length) as
      'isInteger' | 'isFinite' | 'isSafeInteger';
    return { v: Number[fnName](x.v) };
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      const l = evaluate(e.left, env);
      const lt = l === UNKNOWN ? UNKNOWN : truthy(l);
      const and = op === ts.SyntaxKind.AmpersandAmpersandToken;
      if (lt !== UNKNOWN && lt !== and) return l; // short circuit: the left side decides
      const r = evaluate(e.right, env);
      if (lt === UNKNOWN) {
        // An unknown left side is still decided when the right side alone decides a boolean result.
        const rt = r === UNKNOWN ? UNKNOWN : truthy(r);
        if (rt === !and) return { v: !and };
        return UNKNOWN;
      }
      return r;
    }
    const l = evaluate(e.left, env);
    const r = evaluate(e.right, env);
    if (l === UNKNOWN || r === UNKNOWN) return UNKNOWN;
    const prim = (k: Known) => ('v' in k ? k : undefined);
    const a = prim(l);
    const b = prim(r);
    switch (op) {
      case ts.SyntaxKind.EqualsEqualsEqualsToken:
      case ts.SyntaxKind.ExclamationEqualsEqualsToken: {
        let eq: boolean | undefined;
        if (a && b) eq = a.v === b.v;
        else if (typeOf(l) !== typeOf(r)) eq = false;
        else if (('object' in l && b) || ('object' in r && a)) eq = false;
        if (eq === undefined) return UNKNOWN;
        return { v: op === ts.SyntaxKind.EqualsEqualsEqualsToken ? eq : !eq };
      }
      case ts.SyntaxKind.EqualsEqualsToken:
      case ts.SyntaxKind.ExclamationEqualsToken: {
        if (!a || !b) {
          // Only nullish comparisons with an object are decidable without knowing the object.
          const nullish = (k: Known) => 'v' in k && (k.v === null || k.v === undefined);
          if (('object' in l && nullish(r)) || ('object' in r && nullish(l)))
            return { v: op === ts.SyntaxKind.ExclamationEqualsToken };
          return UNKNOWN;
        }
        const eq = a.v == b.v;
        return { v: op === ts.SyntaxKind.EqualsEqualsToken ? eq : !eq };
      }
      case ts.SyntaxKind.LessThanToken:
      case ts.SyntaxKind.LessThanEqualsToken:
      case ts.SyntaxKind.GreaterThanToken:
      case ts.SyntaxKind.GreaterThanEqualsToken: {
        if (!a || !b || typeof a.v !== 'number' || typeof b.v !== 'number') return UNKNOWN;
        const res =
          op === ts.SyntaxKind.LessThanToken
            ? a.v < b.v
            : op === ts.SyntaxKind.LessThanEqualsToken
              ? a.v <= b.v
              : op === ts.SyntaxKind.GreaterThanToken
                ? a.v > b.v
                : a.v >= b.v;
        return { v: res };
      }
      default:
        return UNKNOWN;
    }
  }
  return UNKNOWN;
}

export const isRelational = (k: ts.SyntaxKind): boolean =>
  k === ts.SyntaxKind.LessThanToken ||
  k === ts.SyntaxKind.LessThanEqualsToken ||
  k === ts.SyntaxKind.GreaterThanToken ||
  k === ts.SyntaxKind.GreaterThanEqualsToken;

/** True when `op` holds for equal operands (`<=`, `>=`). */
export const inclusive = (k: ts.SyntaxKind): boolean =>
  k === ts.SyntaxKind.LessThanEqualsToken || k === ts.SyntaxKind.GreaterThanEqualsToken;

/** Whether two relational operators compare in the same direction (`>` and `>=`), differing only at equality. */
export const sameDirection = (a: ts.SyntaxKind, b: ts.SyntaxKind): boolean => {
  const gt = (k: ts.SyntaxKind) =>
    k === ts.SyntaxKind.GreaterThanToken || k === ts.SyntaxKind.GreaterThanEqualsToken;
  return isRelational(a) && isRelational(b) && gt(a) === gt(b);
};

/** The literal value of a simple literal expression, or UNKNOWN. */
export function literalOf(e: ts.Expression): Evaluated {
  return evaluate(e, () => UNKNOWN);
}
