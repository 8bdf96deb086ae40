import ts from 'typescript';

/** One file of the repository under diagnosis: its repository-relative '/'-separated path and its text. */
export interface SourceText {
  readonly path: string;
  readonly text: string;
}

/** A function, method or arrow function by where it is and what it is called. */
export interface FunctionRef {
  /** `Inventory.reserve`, `checkout`, or for an anonymous callback `buildRoutes > add('POST', '/checkout') callback`. */
  readonly name: string;
  readonly startLine: number;
  readonly endLine: number;
}

const TEST_PATH = /(^|\/)(test|tests|__tests__|spec|specs|__mocks__|fixtures)\/|\.(spec|test)\.[cm]?[jt]sx?$/;

/** Test code logs too, but a production log line never comes from it: matches in tests rank last. */
export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

const SCRIPT_KINDS: Readonly<Record<string, ts.ScriptKind>> = {
  ts: ts.ScriptKind.TS,
  mts: ts.ScriptKind.TS,
  cts: ts.ScriptKind.TS,
  tsx: ts.ScriptKind.TSX,
  js: ts.ScriptKind.JS,
  mjs: ts.ScriptKind.JS,
  cjs: ts.ScriptKind.JS,
  jsx: ts.ScriptKind.JSX,
};

/** The extensions the index reads; declaration files (`.d.ts`) hold no statements and are left out. */
export function isSourcePath(path: string): boolean {
  if (/\.d\.[cm]?ts$/.test(path)) return false;
  const ext = /\.([a-z]+)$/.exec(path)?.[1];
  return ext !== undefined && ext in SCRIPT_KINDS;
}

export function scriptKindOf(path: string): ts.ScriptKind {
  const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? 'ts';
  return SCRIPT_KINDS[ext] ?? ts.ScriptKind.TS;
}

/** The files of a repository live under this virtual root for the compiler; nothing outside the texts is read. */
export const VIRTUAL_ROOT = '/__repository__/';

/** Syntax trees by the file object they came from: indexing and the call graph then parse each file once. */
const parsed = new WeakMap<SourceText, ts.SourceFile>();

/**
 * Parses one file (syntax only: nothing is resolved, evaluated or executed). Parent pointers are set because
 * every consumer walks up from a call to its statement and function. The tree is named by its virtual path.
 */
export function parseSource(file: SourceText): ts.SourceFile {
  const known = parsed.get(file);
  if (known && known.text === file.text) return known;
  const sf = ts.createSourceFile(
    VIRTUAL_ROOT + file.path,
    file.text,
    ts.ScriptTarget.Latest,
    true,
    scriptKindOf(file.path),
  );
  parsed.set(file, sf);
  return sf;
}

/** 1-based line and column of a position. */
export function lineColumn(sf: ts.SourceFile, pos: number): { line: number; column: number } {
  const lc = sf.getLineAndCharacterOfPosition(pos);
  return { line: lc.line + 1, column: lc.character + 1 };
}

export function startLine(node: ts.Node, sf: ts.SourceFile): number {
  return lineColumn(sf, node.getStart(sf)).line;
}

export function endLine(node: ts.Node, sf: ts.SourceFile): number {
  return lineColumn(sf, node.getEnd()).line;
}

/** Nodes that are a unit of code of their own: a call into them is an edge of the call graph. */
export type FunctionLikeNode =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

export function isFunctionLikeNode(node: ts.Node): node is FunctionLikeNode {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** The innermost function around a node (the node itself excluded), or undefined at a module's top level. */
export function enclosingFunctionNode(node: ts.Node): FunctionLikeNode | undefined {
  for (let cur = node.parent; cur; cur = cur.parent) if (isFunctionLikeNode(cur)) return cur;
  return undefined;
}

function propertyNameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** `a.b.c` for a chain of names, the last name otherwise (`x[0].y()` gives `y`). */
export function calleeText(expr: ts.Expression): string {
  if (ts.isIdentifier(expr) || ts.isPrivateIdentifier(expr)) return expr.text;
  if (expr.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  if (expr.kind === ts.SyntaxKind.SuperKeyword) return 'super';
  if (ts.isPropertyAccessExpression(expr)) {
    const left = calleeText(expr.expression);
    return left ? `${left}.${expr.name.text}` : expr.name.text;
  }
  if (ts.isParenthesizedExpression(expr) || ts.isNonNullExpression(expr) || ts.isAsExpression(expr))
    return calleeText(expr.expression);
  if (ts.isCallExpression(expr)) return `${calleeText(expr.expression)}()`;
  return '';
}

/** The last name of a callee (`deps.inventory.reserve` gives `reserve`). */
export function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  if (ts.isElementAccessExpression(expr) && ts.isStringLiteralLike(expr.argumentExpression))
    return expr.argumentExpression.text;
  if (ts.isParenthesizedExpression(expr) || ts.isNonNullExpression(expr)) return calleeName(expr.expression);
  return undefined;
}

function className(node: ts.Node): string | undefined {
  if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.name) return node.name.text;
  if (ts.isClassExpression(node) && ts.isVariableDeclaration(node.parent))
    return propertyNameText(node.parent.name);
  return undefined;
}

/** What an object literal is called when it is assigned to a name (`const handlers = { ... }`). */
function objectName(obj: ts.ObjectLiteralExpression): string | undefined {
  const p = obj.parent;
  if (ts.isVariableDeclaration(p)) return propertyNameText(p.name);
  if (ts.isPropertyAssignment(p)) return propertyNameText(p.name);
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return calleeText(p.left);
  return undefined;
}

/** A short rendering of a call's literal arguments, which name a callback better than its position does. */
function literalArgs(call: ts.CallExpression | ts.NewExpression): string {
  const parts: string[] = [];
  for (const a of call.arguments ?? []) {
    if (ts.isStringLiteralLike(a) && a.text.length <= 60) parts.push(`'${a.text}'`);
    if (parts.length === 3) break;
  }
  return parts.join(', ');
}

/**
 * The name a function is known by: its declared name, the variable, property or class member it is assigned
 * to, or, for an anonymous callback, the call it is handed to (`add('POST', '/checkout') callback`). Methods
 * carry their class (`Inventory.reserve`).
 */
function fnName(fn: FunctionLikeNode): string | undefined {
  return ts.isFunctionExpression(fn) && fn.name ? fn.name.text : undefined;
}

export function ownName(fn: FunctionLikeNode): { name: string; anonymous: boolean } {
  const p = fn.parent;
  if (ts.isConstructorDeclaration(fn))
    return { name: `${className(p) ?? '<class>'}.constructor`, anonymous: false };
  if (ts.isMethodDeclaration(fn) || ts.isGetAccessorDeclaration(fn) || ts.isSetAccessorDeclaration(fn)) {
    const member = propertyNameText(fn.name) ?? '<computed>';
    const owner = ts.isObjectLiteralExpression(p) ? objectName(p) : className(p);
    return { name: owner ? `${owner}.${member}` : member, anonymous: false };
  }
  // `export default function () {}` is known by its export
  if (ts.isFunctionDeclaration(fn)) return { name: fn.name?.text ?? 'default', anonymous: false };
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === fn) {
    // `Router.prototype.handle = function handle() {}` is Router's method; `exports.run = ...` is `run`
    const target = calleeText(p.left)
      .replace(/^(module\.)?exports\./, '')
      .replace(/\.prototype\./, '.');
    if (target === 'module.exports') return { name: fnName(fn) ?? target, anonymous: false };
    if (target) return { name: target, anonymous: false };
  }
  if (ts.isFunctionExpression(fn) && fn.name) return { name: fn.name.text, anonymous: false };
  // arrow functions and function expressions take the name of what holds them
  if (ts.isVariableDeclaration(p)) {
    const n = propertyNameText(p.name);
    if (n) return { name: n, anonymous: false };
  }
  if (ts.isPropertyDeclaration(p)) {
    const member = propertyNameText(p.name) ?? '<computed>';
    const owner = className(p.parent);
    return { name: owner ? `${owner}.${member}` : member, anonymous: false };
  }
  if (ts.isPropertyAssignment(p)) {
    const member = propertyNameText(p.name) ?? '<computed>';
    const owner = objectName(p.parent);
    return { name: owner ? `${owner}.${member}` : member, anonymous: false };
  }
  if (ts.isExportAssignment(p)) return { name: 'default', anonymous: false };
  if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.arguments?.includes(fn as ts.Expression)) {
    const callee = calleeName(p.expression) ?? calleeText(p.expression);
    return { name: `${callee || '<call>'}(${literalArgs(p)}) callback`, anonymous: true };
  }
  return { name: '<anonymous>', anonymous: true };
}

/** The function's name with, for anonymous callbacks, the named function around it (`checkout > timed() callback`). */
export function qualifiedName(fn: FunctionLikeNode): string {
  const own = ownName(fn);
  if (!own.anonymous) return own.name;
  const outer = enclosingFunctionNode(fn);
  return outer ? `${qualifiedName(outer)} > ${own.name}` : own.name;
}

export function functionRef(fn: FunctionLikeNode, sf: ts.SourceFile): FunctionRef {
  return { name: qualifiedName(fn), startLine: startLine(fn, sf), endLine: endLine(fn, sf) };
}
