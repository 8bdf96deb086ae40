import ts from 'typescript';
import type { RepoView } from '../strategies/types.js';
import {
  UNKNOWN,
  ancestorFunction,
  codeKey,
  evaluate,
  exits,
  functionName,
  inclusive,
  isExportedFunction,
  isPublicMethod,
  isFunctionNode,
  isPrefix,
  isRelational,
  literalOf,
  paramPathOf,
  parse,
  pathConstraints,
  pathKey,
  sameDirection,
  strip,
  throwsAtEnd,
  topFunctions,
  type Constraint,
  type Env,
  type FunctionNode,
  type Known,
  type ParamPath,
} from './ast.js';
import { resolveSpecifier } from './style.js';

/**
 * From a candidate's change and the incident's error to a test plan: which exported function to call, which
 * parameter values to set (the failing input), and what the fixed code does differently that a test can assert
 * without running either version. Two shapes are derived: a guard (a property read or method call on a
 * parameter's value that failed) and a moved bound (a comparison whose operator changed between `<` and `<=`).
 */

/** A name the test must import, from a repository file. */
export interface ImportNeed {
  name: string;
  /** The exported name (`default` and `*` for default and namespace imports). */
  imported: string;
  file: string;
}

/** One parameter value the test sets: code text, what the evaluator knows of it, what it imports. */
export interface Override {
  path: ParamPath;
  code: string;
  value: Known;
  imports: ImportNeed[];
}

export type Expectation =
  | { kind: 'no-throw' }
  /** Throws; an instance of `errorClass` when the throwing branch names its class. */
  | { kind: 'throws'; errorClass?: string; imports?: ImportNeed[] }
  /** The call may throw, but not the incident's error class. */
  | { kind: 'not-error'; errorClass: string }
  /** The result (or one member of it) is / is not a literal. */
  | { kind: 'equal' | 'not-equal'; literal: string; member?: string };

export interface Plan {
  /** The module of the function the test calls. */
  file: string;
  entry: FunctionNode;
  entryName: string;
  overrides: Override[];
  expectation: Expectation;
  /** What the test checks, for its name. */
  what: string;
  rationale: string;
}

export interface ChangedFunction {
  file: string;
  base: FunctionNode;
  /**
   * The function as the candidate leaves it; the candidate's whole module when the candidate removes the function
   * (a revert that inlines it again), whose changed lines then stand for it.
   */
  candidate: FunctionNode | ts.SourceFile;
  /** Changed lines of the base file. */
  baseLines: ReadonlySet<number>;
  candidateLines: ReadonlySet<number>;
}

const lineOf = (n: ts.Node) => n.getSourceFile().getLineAndCharacterOfPosition(n.getStart()).line + 1;

function* descendants(n: ts.Node): Generator<ts.Node> {
  const stack: ts.Node[] = [n];
  while (stack.length > 0) {
    const x = stack.pop()!;
    yield x;
    const kids: ts.Node[] = [];
    x.forEachChild((c) => void kids.push(c));
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/** Values of parameters the test sets, seen by the evaluator: a set path, or an object above a set path. */
function envFor(fn: FunctionNode, assigned: Map<string, { path: ParamPath; value: Known }>): Env {
  return (e) => {
    const p = paramPathOf(e, fn)?.path;
    if (!p) return UNKNOWN;
    const hit = assigned.get(pathKey(p));
    if (hit) return hit.value;
    for (const a of assigned.values()) if (isPrefix(p, a.path)) return { object: true };
    return UNKNOWN;
  };
}

/**
 * Sets parameter paths that a constraint pins to a literal (`p.country === 'GB'` must hold: country = 'GB'),
 * through `&&`, `||` and `!`. Returns the overrides it added.
 */
function satisfy(
  c: Constraint,
  fn: FunctionNode,
  assigned: Map<string, { path: ParamPath; value: Known }>,
  quoteLiteral: (v: Known) => string | undefined,
): Override[] {
  const e = strip(c.expr);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken)
    return satisfy({ expr: e.operand, want: !c.want }, fn, assigned, quoteLiteral);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (
      (op === ts.SyntaxKind.AmpersandAmpersandToken && c.want) ||
      (op === ts.SyntaxKind.BarBarToken && !c.want)
    )
      return [
        ...satisfy({ expr: e.left, want: c.want }, fn, assigned, quoteLiteral),
        ...satisfy({ expr: e.right, want: c.want }, fn, assigned, quoteLiteral),
      ];
    const eq = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
    const ne =
      op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
    if ((eq && c.want) || (ne && !c.want)) {
      for (const [side, other] of [
        [e.left, e.right],
        [e.right, e.left],
      ] as const) {
        const p = paramPathOf(side, fn)?.path;
        const lit = literalOf(other);
        if (!p || lit === UNKNOWN || !('v' in lit)) continue;
        const clash = [...assigned.values()].some(
          (a) => pathKey(a.path) === pathKey(p) || isPrefix(p, a.path) || isPrefix(a.path, p),
        );
        if (clash) continue;
        const code = quoteLiteral(lit);
        if (code === undefined) continue;
        assigned.set(pathKey(p), { path: p, value: lit });
        return [{ path: p, code, value: lit, imports: [] }];
      }
    }
  }
  return [];
}

/**
 * Pins what the constraints pin, then checks them all: undefined when one is false for the chosen values (the
 * failing code is not reached that way), else the added overrides and how many stayed unknown (left to the donor
 * call, which reaches this code in the application's own tests).
 */
function solve(
  constraints: Constraint[],
  fn: FunctionNode,
  assigned: Map<string, { path: ParamPath; value: Known }>,
  quoteLiteral: (v: Known) => string | undefined,
): { added: Override[]; unknown: number } | undefined {
  const added: Override[] = [];
  const env = envFor(fn, assigned);
  for (const c of constraints)
    if (evaluate(c.expr, env) === UNKNOWN) added.push(...satisfy(c, fn, assigned, quoteLiteral));
  let unknown = 0;
  for (const c of constraints) {
    const r = evaluate(c.expr, env);
    if (r === UNKNOWN) {
      unknown++;
      continue;
    }
    const t = 'object' in r ? true : 'number' in r ? undefined : Boolean(r.v);
    if (t === undefined) unknown++;
    else if (t !== c.want) return undefined;
  }
  return { added, unknown };
}

const describePath = (fn: FunctionNode, p: ParamPath): string => {
  const param = fn.parameters[p.index];
  const name = param && ts.isIdentifier(param.name) ? param.name.text : `argument ${p.index + 1}`;
  return [name, ...p.props].join('.').replace(/\.\[\]/g, '[0]');
};

// ---- guard: a failing read on a parameter's value --------------------------------------------------------------

/** What the incident's error message says about the failing access. */
export interface ErrorShape {
  prop?: string;
  failure: 'nullish' | 'not-a-function';
  nullish?: 'null' | 'undefined';
}

export function classifyError(message: string): ErrorShape | undefined {
  // Mined templates may hide variable parts as <*>: the failure kind survives, the property may not.
  const read =
    /Cannot read propert(?:y|ies) of (undefined|null|<\*>)(?: \((?:reading )?(?:'([^']*)'|<\*>)\))?/.exec(
      message,
    );
  if (read) {
    const prop = read[2] && !read[2].includes('<*>') ? read[2] : undefined;
    return {
      failure: 'nullish',
      nullish: read[1] === 'null' ? 'null' : 'undefined',
      ...(prop ? { prop } : {}),
    };
  }
  const old = /Cannot read property '([^']*)' of (undefined|null)/.exec(message);
  if (old)
    return {
      failure: 'nullish',
      nullish: old[2] as 'null' | 'undefined',
      ...(old[1]!.includes('<*>') ? {} : { prop: old[1]! }),
    };
  const call = /(\S+) is not a function/.exec(message);
  if (call) {
    const prop = call[1]!.split('.').at(-1)!;
    return { failure: 'not-a-function', ...(/^[A-Za-z_$][\w$]*$/.test(prop) ? { prop } : {}) };
  }
  return undefined;
}

/** The error class a message names or implies; only built-in classes, which a test can name without imports. */
export function errorClassOf(message: string): string | undefined {
  const named = /\b(TypeError|RangeError|ReferenceError|SyntaxError|URIError)\b/.exec(message);
  if (named) return named[1];
  if (
    /Cannot read propert|is not a function|is not iterable|Cannot destructure|is not a constructor/.test(
      message,
    )
  )
    return 'TypeError';
  return undefined;
}

const countThrows = (fn: ts.Node): number => {
  let n = 0;
  for (const d of descendants(fn)) if (ts.isThrowStatement(d)) n++;
  return n;
};

interface Access {
  node: ts.PropertyAccessExpression;
  receiver: { path: ParamPath; requires: Constraint[] };
  prop: string;
  isCall: boolean;
  nonNull: boolean;
  /** The receiver is cast (`(x as string).trim()`). */
  cast: boolean;
  /** The candidate no longer has this access as it is. */
  removed: boolean;
}

export function deriveGuard(
  change: ChangedFunction,
  errorMessage: string,
  quoteLiteral: (v: Known) => string | undefined,
  loggedValue: (prop: string) => Known | undefined,
  frameLine?: number,
): Plan | string {
  const F = change.base;
  const name = functionName(F) ?? '?';
  const classified = classifyError(errorMessage);
  const candidateText = codeKey(change.candidate);
  const accesses: Access[] = [];
  for (const d of descendants(F)) {
    if (!ts.isPropertyAccessExpression(d) || d.questionDotToken) continue;
    if (!change.baseLines.has(lineOf(d))) continue;
    if (isFunctionNode(d) || d.name.text === 'prototype') continue;
    const receiver = paramPathOf(d.expression, F);
    if (!receiver || receiver.path.props.includes('[]')) continue;
    const isCall = ts.isCallExpression(d.parent) && d.parent.expression === d;
    const inner = ts.isParenthesizedExpression(d.expression) ? d.expression.expression : d.expression;
    accesses.push({
      node: d,
      receiver,
      prop: d.name.text,
      isCall,
      nonNull: ts.isNonNullExpression(d.expression),
      cast: ts.isAsExpression(inner) || ts.isTypeAssertionExpression(inner),
      removed: !candidateText.includes(codeKey(d)),
    });
  }
  if (accesses.length === 0)
    return `no read on a parameter's value in the lines of ${name} the candidate changes`;
  // Without a runtime message that names the failure (a mined template may hide it), the code says where the author
  // overrode the type checker: a non-null assertion (a read of a missing value) or a cast before a method call (a
  // wrongly typed value), which the candidate removes.
  const error: ErrorShape | undefined =
    classified ??
    (() => {
      const asserted = accesses.filter((a) => a.removed && (a.nonNull || (a.cast && a.isCall)));
      if (asserted.length === 0) return undefined;
      return asserted.some((a) => a.nonNull)
        ? { failure: 'nullish', nullish: 'undefined' }
        : { failure: 'not-a-function' };
    })();
  const errorClass = errorClassOf(errorMessage) ?? (error ? 'TypeError' : undefined);
  if (!error || !errorClass)
    return `the error "${errorMessage.slice(0, 120)}" names no failing access and the candidate removes no non-null assertion or cast in ${name}`;
  // The error names the property when it can: only accesses of that property; a not-a-function error is a call.
  const fitting = accesses.filter(
    (a) =>
      (!error.prop || a.prop === error.prop) &&
      (error.failure !== 'not-a-function' || a.isCall) &&
      (classified || a.removed),
  );
  if (fitting.length === 0)
    return `the error's access (${error.prop ?? 'a property'}) is not among the reads on parameters the candidate changes in ${name}`;
  // The innermost stack frame's line first; then a non-null assertion or a cast (the author saying "cannot be
  // missing" or "is this type": the likeliest wrong belief); then the access the candidate rewrites; then depth.
  const onFrame = (a: Access) => Number(frameLine !== undefined && lineOf(a.node) === frameLine);
  fitting.sort(
    (a, b) =>
      onFrame(b) - onFrame(a) ||
      Number(b.nonNull || b.cast) - Number(a.nonNull || a.cast) ||
      Number(b.removed) - Number(a.removed) ||
      b.receiver.path.props.length - a.receiver.path.props.length,
  );
  const failure = error.failure;
  let reason = `no value for the failing access in ${name} satisfies the conditions on the way to it`;
  for (const access of fitting) {
    const target = access.receiver.path;
    let value: Known;
    let code: string | undefined;
    if (failure === 'not-a-function') {
      // A logged value of the field when the telemetry has one, else a number: numbers have no string or array methods.
      const logged = loggedValue(target.props.at(-1) ?? '');
      value =
        logged && 'v' in logged && typeof logged.v !== 'string' && logged.v !== null && logged.v !== undefined
          ? logged
          : { v: 1 };
      if (access.prop in Number.prototype && 'v' in value && typeof value.v === 'number') value = { v: true };
      code = quoteLiteral(value);
    } else {
      value = { v: error.nullish === 'null' ? null : undefined };
      code = quoteLiteral(value);
    }
    if (code === undefined) continue;
    const assigned = new Map([[pathKey(target), { path: target, value }]]);
    const solved = solve(
      [...access.receiver.requires, ...pathConstraints(access.node, F)],
      F,
      assigned,
      quoteLiteral,
    );
    if (!solved) continue;
    // Wrong-typed values only reach a typed parameter through a cast; the incident shows they do arrive at runtime.
    const param = F.parameters[target.index];
    const typed = !!param?.type && !/^(unknown|any)$/.test(param.type.getText().trim());
    const nullishAllowed = failure === 'nullish' && access.nonNull;
    const isTs = /\.[cm]?tsx?$/.test(change.file);
    if (
      isTs &&
      typed &&
      !nullishAllowed &&
      !(failure === 'nullish' && target.props.length === 0 && param?.questionToken)
    )
      code = `${code} as never`;
    const addsThrow =
      countThrows(change.candidate) > countThrows(ts.isSourceFile(change.candidate) ? F.getSourceFile() : F);
    let expectation: Expectation = addsThrow ? { kind: 'not-error', errorClass } : { kind: 'no-throw' };
    let overrides: Override[] = [{ path: target, code, value, imports: [] }, ...solved.added];
    let entry = F;
    if (!isExportedFunction(F) && !isPublicMethod(F)) {
      const lifted = liftToCaller(F, overrides, expectation, quoteLiteral);
      if (typeof lifted === 'string') {
        reason = lifted;
        continue;
      }
      ({ entry, overrides, expectation } = lifted);
    }
    const entryName = functionName(entry) ?? '?';
    const where = describePath(entry, overrides[0]!.path);
    const shown = failure === 'nullish' ? (error.nullish ?? 'undefined') : code.replace(/ as never$/, '');
    const pinned = overrides.slice(1).map((o) => `${describePath(entry, o.path)} = ${o.code}`);
    const via = entry === F ? '' : ` (through ${entryName}, which calls it)`;
    return {
      file: change.file,
      entry,
      entryName,
      overrides,
      expectation,
      what: `${entryName} with ${where} = ${shown}${pinned.length ? ` (${pinned.join(', ')})` : ''} ${addsThrow ? `rejects it without a ${errorClass}` : 'does not throw'}`,
      rationale:
        `The incident's ${errorClass} comes from ${access.isCall ? 'calling' : 'reading'} .${access.prop} on ${describePath(F, target)} in ${name}; ` +
        `the test calls ${entryName}${via} with ${where} = ${shown}${pinned.length ? ` and ${pinned.join(', ')} to reach that line` : ''}, ` +
        `which throws the ${errorClass} before the fix and ${addsThrow ? 'a handled error' : 'nothing'} after it.`,
    };
  }
  return reason;
}

// ---- bound: a comparison whose operator moved by one ---------------------------------------------------------

interface Resolved {
  code: string;
  value: Known;
  imports: ImportNeed[];
}

type Reader = (path: string) => Promise<ts.SourceFile | undefined>;

function importOf(sf: ts.SourceFile, name: string, files: ReadonlySet<string>): ImportNeed | undefined {
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || !s.importClause) continue;
    if (s.importClause.isTypeOnly) continue;
    const file = resolveSpecifier(sf.fileName, s.moduleSpecifier.text, files);
    if (!file) continue;
    if (s.importClause.name?.text === name) return { name, imported: 'default', file };
    const b = s.importClause.namedBindings;
    if (b && ts.isNamespaceImport(b) && b.name.text === name) return { name, imported: '*', file };
    if (b && ts.isNamedImports(b))
      for (const el of b.elements)
        if (el.name.text === name && !el.isTypeOnly)
          return { name, imported: (el.propertyName ?? el.name).text, file };
  }
  return undefined;
}

function topConst(sf: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const s of sf.statements)
    if (ts.isVariableStatement(s) && s.declarationList.flags & ts.NodeFlags.Const)
      for (const d of s.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  return undefined;
}

/** The number a constant expression holds, following module constants, imports and object literal members. */
export async function numberOf(
  e: ts.Expression,
  sf: ts.SourceFile,
  read: Reader,
  files: ReadonlySet<string>,
  depth = 0,
): Promise<number | undefined> {
  if (depth > 8) return undefined;
  const x = strip(e);
  const lit = literalOf(x);
  if (lit !== UNKNOWN && 'v' in lit && typeof lit.v === 'number') return lit.v;
  if (ts.isBinaryExpression(x)) {
    const a = await numberOf(x.left, sf, read, files, depth + 1);
    const b = await numberOf(x.right, sf, read, files, depth + 1);
    if (a === undefined || b === undefined) return undefined;
    switch (x.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken:
        return a + b;
      case ts.SyntaxKind.MinusToken:
        return a - b;
      case ts.SyntaxKind.AsteriskToken:
        return a * b;
      case ts.SyntaxKind.SlashToken:
        return b === 0 ? undefined : a / b;
      default:
        return undefined;
    }
  }
  const target = await objectOrValue(x, sf, read, files, depth);
  return target && !ts.isObjectLiteralExpression(target.expr)
    ? numberOf(target.expr, target.sf, read, files, depth + 1)
    : undefined;
}

/** Follows an identifier or member chain to the expression it is bound to (in this module or an imported one). */
async function objectOrValue(
  e: ts.Expression,
  sf: ts.SourceFile,
  read: Reader,
  files: ReadonlySet<string>,
  depth: number,
): Promise<{ expr: ts.Expression; sf: ts.SourceFile } | undefined> {
  if (depth > 8) return undefined;
  const x = strip(e);
  if (ts.isIdentifier(x)) {
    const local = topConst(sf, x.text);
    if (local) return { expr: strip(local), sf };
    const imp = importOf(sf, x.text, files);
    if (!imp || imp.imported === '*' || imp.imported === 'default') return undefined;
    const other = await read(imp.file);
    const init = other && topConst(other, imp.imported);
    return init && other ? { expr: strip(init), sf: other } : undefined;
  }
  if (ts.isPropertyAccessExpression(x)) {
    const holder = await objectOrValue(x.expression, sf, read, files, depth + 1);
    if (!holder || !ts.isObjectLiteralExpression(holder.expr)) return undefined;
    for (const p of holder.expr.properties)
      if (
        ts.isPropertyAssignment(p) &&
        (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
        p.name.text === x.name.text
      )
        return { expr: strip(p.initializer), sf: holder.sf };
    return undefined;
  }
  return undefined;
}

/**
 * The bound of a comparison as code a test can write: the same expression when it only uses imported names (so the
 * test follows the application's configuration), else the number it holds when that is a constant.
 */
async function resolveBound(
  B: ts.Expression,
  F: FunctionNode,
  read: Reader,
  files: ReadonlySet<string>,
): Promise<Resolved | undefined> {
  const sf = F.getSourceFile();
  const n = await numberOf(B, sf, read, files);
  const imports: ImportNeed[] = [];
  let onlyImports = true;
  for (const d of descendants(B)) {
    if (!ts.isIdentifier(d)) continue;
    if (ts.isPropertyAccessExpression(d.parent) && d.parent.name === d) continue;
    const imp = importOf(sf, d.text, files);
    if (imp) imports.push(imp);
    else onlyImports = false;
  }
  const value: Known = n === undefined ? { number: true } : { v: n };
  if (onlyImports && imports.length > 0) return { code: B.getText(), value, imports };
  if (n !== undefined && Number.isFinite(n)) return { code: String(n), value, imports: [] };
  return undefined;
}

interface Outcome {
  /** What the fixed code does at the boundary, as the test asserts it. */
  expectation: Expectation;
  says: string;
}

/** What the branch of a comparison does at the boundary, for the fixed (true/false) value of the comparison. */
const BUILTIN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'URIError',
]);

/**
 * The class a branch throws (`throw new OutOfStock(...)`) as a test can name it: a built-in, a class the module
 * imports (imported by the test from the same file) or exports itself. Undefined for factories and rethrows.
 */
function thrownClass(
  s: ts.Statement,
  files: ReadonlySet<string>,
): { name: string; imports: ImportNeed[] } | undefined {
  const last = ts.isBlock(s) ? s.statements.at(-1) : s;
  if (!last || !ts.isThrowStatement(last) || !last.expression) return undefined;
  const e = strip(last.expression);
  if (!ts.isNewExpression(e) || !ts.isIdentifier(e.expression)) return undefined;
  const name = e.expression.text;
  if (BUILTIN_ERRORS.has(name)) return { name, imports: [] };
  const sf = s.getSourceFile();
  const imp = importOf(sf, name, files);
  if (imp && imp.imported !== '*') return { name, imports: [imp] };
  const own = sf.statements.find(
    (x) =>
      ts.isClassDeclaration(x) &&
      x.name?.text === name &&
      (ts.getModifiers(x) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
  );
  return own ? { name, imports: [{ name, imported: name, file: sf.fileName }] } : undefined;
}

function branchOutcome(
  cmp: ts.BinaryExpression,
  fixedTrue: boolean,
  files: ReadonlySet<string>,
): Outcome | string {
  let node: ts.Node = cmp;
  let negate = false;
  for (;;) {
    const p = node.parent;
    if (ts.isParenthesizedExpression(p)) node = p;
    else if (ts.isPrefixUnaryExpression(p) && p.operator === ts.SyntaxKind.ExclamationToken) {
      negate = !negate;
      node = p;
    } else break;
  }
  const taken = fixedTrue !== negate;
  const p = node.parent;
  if (ts.isIfStatement(p) && p.expression === node) {
    if (throwsAtEnd(p.thenStatement) && (!p.elseStatement || !exits(p.elseStatement)))
      if (taken) {
        const cls = thrownClass(p.thenStatement, files);
        return {
          expectation: cls
            ? { kind: 'throws', errorClass: cls.name, imports: cls.imports }
            : { kind: 'throws' },
          says: `throws${cls ? ` ${cls.name}` : ''} at the boundary`,
        };
      } else return { expectation: { kind: 'no-throw' }, says: 'accepts the boundary value' };
    const ret = singleReturn(p.thenStatement);
    if (ret) {
      const lit = literalCode(ret);
      if (lit)
        return {
          expectation: { kind: taken ? 'equal' : 'not-equal', literal: lit },
          says: `${taken ? 'returns' : 'does not return'} ${lit} at the boundary`,
        };
    }
    return 'the branch the comparison guards neither throws nor returns a literal: nothing to assert statically';
  }
  if (ts.isConditionalExpression(p) && p.condition === node && ts.isReturnStatement(p.parent)) {
    const fixedBranch = taken ? p.whenTrue : p.whenFalse;
    const faultyBranch = taken ? p.whenFalse : p.whenTrue;
    const faultyLit = literalCode(faultyBranch);
    if (faultyLit)
      return {
        expectation: { kind: 'not-equal', literal: faultyLit },
        says: `no longer returns ${faultyLit} at the boundary`,
      };
    const fixedLit = literalCode(fixedBranch);
    if (fixedLit)
      return {
        expectation: { kind: 'equal', literal: fixedLit },
        says: `returns ${fixedLit} at the boundary`,
      };
    return 'neither branch of the returned conditional is a literal: nothing to assert statically';
  }
  return 'the comparison feeds a computed value, not a throw or a returned literal: its effect cannot be asserted statically';
}

function singleReturn(s: ts.Statement): ts.Expression | undefined {
  if (ts.isReturnStatement(s)) return s.expression;
  if (ts.isBlock(s) && s.statements.length === 1) return singleReturn(s.statements[0]!);
  return undefined;
}

function literalCode(e: ts.Expression | undefined): string | undefined {
  if (!e) return undefined;
  const x = strip(e);
  const lit = literalOf(x);
  if (lit === UNKNOWN || !('v' in lit)) return undefined;
  return x.getText();
}

/**
 * Lifts a plan on a non-exported function to an exported caller in the same module that passes its parameters
 * through: the overrides become paths of the caller's parameters, the conditions on the way to the call are added,
 * and the expectation must survive the call: a throw (or its absence) when no try surrounds the call; a returned
 * value when the caller accumulates it into a member of the object it returns (`let total = 0; for (const x of xs)
 * total += f(x); return { total }`), which with a single element is the function's result.
 */
function liftToCaller(
  F: FunctionNode,
  overrides: Override[],
  expectation: Expectation,
  quoteLiteral: (v: Known) => string | undefined,
): { entry: FunctionNode; overrides: Override[]; expectation: Expectation } | string {
  const name = functionName(F);
  if (!name) return 'the changed function has no name to find its callers by';
  let reason = `${name} is not exported and no exported caller of the module passes its parameters through to it`;
  for (const E of topFunctions(F.getSourceFile()).values()) {
    if (!isExportedFunction(E) || E === F) continue;
    for (const call of descendants(E)) {
      if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== name)
        continue;
      const mapped: Override[] = [];
      const requires: Constraint[] = [];
      for (const o of overrides) {
        const arg = call.arguments[o.path.index];
        const via = arg && paramPathOf(arg, E);
        if (!via) break;
        mapped.push({ ...o, path: { index: via.path.index, props: [...via.path.props, ...o.path.props] } });
        requires.push(...via.requires);
      }
      if (mapped.length !== overrides.length) continue;
      const keys = mapped.map((o) => pathKey(o.path));
      if (
        new Set(keys).size !== keys.length ||
        mapped.some((a) => mapped.some((b) => isPrefix(a.path, b.path)))
      )
        continue;
      let lifted: Expectation;
      if (expectation.kind === 'equal' || expectation.kind === 'not-equal') {
        const member = accumulatedMember(call, E);
        if (!member) {
          reason = `${name} is not exported and ${functionName(E) ?? '?'} does not return its result observably`;
          continue;
        }
        lifted = { ...expectation, member };
      } else {
        let inTry = false;
        for (let p: ts.Node = call; p !== E; p = p.parent) if (ts.isTryStatement(p)) inTry = true;
        if (inTry) {
          reason = `${name} is not exported and ${functionName(E) ?? '?'} catches what it throws`;
          continue;
        }
        lifted = expectation;
      }
      const assigned = new Map(mapped.map((o) => [pathKey(o.path), { path: o.path, value: o.value }]));
      const solved = solve([...requires, ...pathConstraints(call, E)], E, assigned, quoteLiteral);
      if (!solved) {
        reason = `the failing input does not reach the call of ${name} in ${functionName(E) ?? '?'}`;
        continue;
      }
      return { entry: E, overrides: [...mapped, ...solved.added], expectation: lifted };
    }
  }
  return reason;
}

function accumulatedMember(call: ts.CallExpression, E: FunctionNode): string | undefined {
  const p = call.parent;
  let variable: string | undefined;
  if (
    ts.isBinaryExpression(p) &&
    p.right === call &&
    ts.isIdentifier(p.left) &&
    p.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken
  ) {
    variable = p.left.text;
    // Accumulated from zero, once per element of a for-of: a one-element input makes it the call's result.
    let loop: ts.Node | undefined = p;
    while (loop && loop !== E && !ts.isForOfStatement(loop)) loop = loop.parent;
    if (!loop || loop === E) return undefined;
    let startsAtZero = false;
    let writes = 0;
    for (const d of descendants(E)) {
      if (ts.isVariableDeclaration(d) && ts.isIdentifier(d.name) && d.name.text === variable)
        startsAtZero =
          !!d.initializer &&
          literalOf(d.initializer) !== UNKNOWN &&
          (literalOf(d.initializer) as { v: unknown }).v === 0;
      if (
        ts.isBinaryExpression(d) &&
        ts.isIdentifier(d.left) &&
        d.left.text === variable &&
        d.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        d.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      )
        writes++;
      if (
        (ts.isPostfixUnaryExpression(d) || ts.isPrefixUnaryExpression(d)) &&
        ts.isIdentifier(d.operand) &&
        d.operand.text === variable
      )
        writes++;
    }
    if (!startsAtZero || writes !== 1) return undefined;
  } else if (
    ts.isVariableDeclaration(p) &&
    p.initializer === call &&
    ts.isIdentifier(p.name) &&
    p.parent.flags & ts.NodeFlags.Const
  ) {
    variable = p.name.text;
  } else return undefined;
  const returns = [...descendants(E)].filter(
    (d): d is ts.ReturnStatement => ts.isReturnStatement(d) && ancestorFunction(d.parent) === E,
  );
  if (returns.length !== 1 || !returns[0]!.expression) return undefined;
  const obj = strip(returns[0]!.expression);
  if (!ts.isObjectLiteralExpression(obj)) return undefined;
  for (const prop of obj.properties) {
    if (ts.isShorthandPropertyAssignment(prop) && prop.name.text === variable) return variable;
    if (
      ts.isPropertyAssignment(prop) &&
      ts.isIdentifier(prop.name) &&
      ts.isIdentifier(strip(prop.initializer)) &&
      (strip(prop.initializer) as ts.Identifier).text === variable
    )
      return prop.name.text;
  }
  return undefined;
}

/** Whether the statements around two comparisons are the same apart from the comparisons themselves. */
function sameStatement(base: ts.BinaryExpression, fixed: ts.BinaryExpression): boolean {
  const stmt = (n: ts.Node): ts.Node => {
    let p: ts.Node = n;
    while (p.parent && !ts.isSourceFile(p.parent) && !(ts.isStatement(p) || ts.isBlock(p))) p = p.parent;
    return p;
  };
  return codeKey(stmt(base)).replace(codeKey(base), codeKey(fixed)) === codeKey(stmt(fixed));
}

export async function deriveBound(
  change: ChangedFunction,
  repo: RepoView,
  quoteLiteral: (v: Known) => string | undefined,
): Promise<Plan | string> {
  const F = change.base;
  const name = functionName(F) ?? '?';
  const cache = new Map<string, ts.SourceFile | undefined>();
  const read: Reader = async (path) => {
    if (!cache.has(path)) {
      const text = await repo.read(path);
      cache.set(path, text === undefined ? undefined : parse(path, text));
    }
    return cache.get(path);
  };
  const wholeModule = ts.isSourceFile(change.candidate);
  const fixedComparisons = [...descendants(change.candidate)].filter(
    (d): d is ts.BinaryExpression =>
      ts.isBinaryExpression(d) &&
      isRelational(d.operatorToken.kind) &&
      (!wholeModule || change.candidateLines.has(lineOf(d))),
  );
  let reason = `no comparison in ${name} changes between < and <= (or > and >=)`;
  for (const cmp of descendants(F)) {
    if (
      !ts.isBinaryExpression(cmp) ||
      !isRelational(cmp.operatorToken.kind) ||
      !change.baseLines.has(lineOf(cmp))
    )
      continue;
    const fixed = fixedComparisons.find(
      (c) =>
        codeKey(c.left) === codeKey(cmp.left) &&
        codeKey(c.right) === codeKey(cmp.right) &&
        c.operatorToken.kind !== cmp.operatorToken.kind &&
        sameDirection(c.operatorToken.kind, cmp.operatorToken.kind),
    );
    if (!fixed) continue;
    const leftPath = paramPathOf(cmp.left, F);
    const rightPath = leftPath ? undefined : paramPathOf(cmp.right, F);
    const subject = leftPath ?? rightPath;
    const boundExpr = leftPath ? cmp.right : cmp.left;
    if (!subject) {
      reason = `the value ${cmp.left.getText()} compares in ${name} is computed, not a parameter a test can set`;
      continue;
    }
    const bound = await resolveBound(boundExpr, F, read, repo.files);
    if (!bound) {
      reason = `the bound ${boundExpr.getText()} in ${name} is neither a constant nor built from imported names`;
      continue;
    }
    const fixedTrue = inclusive(fixed.operatorToken.kind);
    const outcome = branchOutcome(cmp, fixedTrue, repo.files);
    if (typeof outcome === 'string') {
      reason = `${name}: ${outcome}`;
      continue;
    }
    // "Equal to the other branch's literal" and "throws" describe the fixed side from the base code: sound only when
    // the candidate changed nothing else in that statement. "Not the faulty literal" and "does not throw" follow
    // from the faulty side alone.
    if (
      (outcome.expectation.kind === 'equal' || outcome.expectation.kind === 'throws') &&
      !sameStatement(cmp, fixed)
    ) {
      reason = `the candidate changes more than the operator of ${cmp.getText()}: what the fixed branch does is not known`;
      continue;
    }
    let entry = F;
    let path = subject.path;
    const constraints = [...subject.requires, ...pathConstraints(cmp, F)];
    let expectation = outcome.expectation;
    // Conditions inside the changed function are checked against the boundary value first.
    const inner = new Map([[pathKey(path), { path, value: bound.value }]]);
    const innerSolved = solve(constraints, F, inner, quoteLiteral);
    if (!innerSolved) {
      reason = `the boundary value ${bound.code} does not reach the comparison in ${name}`;
      continue;
    }
    let overrides: Override[] = [
      { path, code: bound.code, value: bound.value, imports: bound.imports },
      ...innerSolved.added,
    ];
    if (!isExportedFunction(F) && !isPublicMethod(F)) {
      const lifted = liftToCaller(F, overrides, expectation, quoteLiteral);
      if (typeof lifted === 'string') {
        reason = lifted;
        continue;
      }
      entry = lifted.entry;
      overrides = lifted.overrides;
      expectation = lifted.expectation;
      path = overrides[0]!.path;
    }
    const entryName = functionName(entry) ?? '?';
    const where = describePath(entry, path);
    const member = 'member' in expectation && expectation.member ? `.${expectation.member}` : '';
    return {
      file: change.file,
      entry,
      entryName,
      overrides,
      expectation,
      what: `${entryName} with ${where} at the bound ${bound.code}${member ? `: ${entryName}()${member}` : ''} ${outcome.says}`,
      rationale:
        `The candidate changes ${cmp.getText()} to ${fixed.getText()} in ${name}; the two differ only when ${cmp.left.getText()} equals ` +
        `${cmp.right.getText()}, so the test calls ${entryName} with ${where} = ${bound.code}, where the fixed code ${outcome.says}.`,
    };
  }
  return reason;
}
