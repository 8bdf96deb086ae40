import ts from 'typescript';
import {
  calleeText,
  enclosingFunctionNode,
  endLine,
  functionRef,
  isFunctionLikeNode,
  isTestPath,
  lineColumn,
  parseSource,
  startLine,
  type FunctionRef,
  type SourceText,
} from './source.js';

export interface LineSpan {
  readonly startLine: number;
  readonly endLine: number;
}

/** One log statement of the program, with what it prints that does not vary from one call to the next. */
export interface LogCallSite {
  readonly path: string;
  /** 1-based line and column of the call (`log.info(` starts there). */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  /** The method called (`info`, `error`, `log` ...); `warn|info` for `log[level](...)` with level one of those. */
  readonly level: string;
  /** What the method is called on (`log`, `this.logger`, `console`). */
  readonly receiver: string;
  /** The innermost function around the call; null at a module's top level. */
  readonly fn: FunctionRef | null;
  /** The message as a template: constant text, `<*>` where a value goes (`${}`, `%s`, a variable); null if none is constant. */
  readonly message: string | null;
  /** Static keys of the object-literal argument (`{ step, durationMs }`). */
  readonly keys: readonly string[];
  /** Keys of that object whose value is a constant string (`{ step: 'reserveInventory' }`). */
  readonly constants: Readonly<Record<string, string>>;
  /**
   * The nearest log statement that runs before this one on every path through the same function (not one inside
   * a branch, a loop or a callback); null when there is none. The code between the two is what this line's
   * timestamp measures.
   */
  readonly previous: LineSpan | null;
  /**
   * Code that a value of this line measures, by key (`durationMs`) or by the position of a `<*>` of the message
   * (`$0`, `$1` ...): the statement that computed it, or for a difference of clock readings (`now() - started`)
   * the lines from the first reading to the second.
   */
  readonly measures: Readonly<Record<string, LineSpan>>;
  /** In a test file: its lines are not what production logged. */
  readonly test: boolean;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'log']);
/** Receivers whose level-named methods are not logging (`Math.log(x)`). */
const NOT_LOGGERS = new Set(['Math']);
const PRINTF = /%[sdifjoOc%]/g;

/** Every log call of the given files, in path and position order. Pure: the files are parsed, never run. */
export function indexLogCalls(files: readonly SourceText[]): LogCallSite[] {
  const sites: LogCallSite[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const sf = parseSource(file);
    const consts = fileConstants(sf);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const kind = logCallKind(node, consts);
        if (kind) sites.push(siteOf(node, kind, sf, file.path, consts));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return sites;
}

interface LogKind {
  level: string;
  receiver: string;
  console: boolean;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e))
    e = e.expression;
  return e;
}

function isConsole(e: ts.Expression): boolean {
  const text = calleeText(unwrap(e));
  return text === 'console' || text === 'globalThis.console' || text === 'window.console';
}

/** Whether a call is a log call, and at which level: `<anything>.info(...)`, `console.*(...)`, `log[level](...)`. */
function logCallKind(call: ts.CallExpression, consts: ReadonlyMap<string, string>): LogKind | null {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const name = callee.name.text;
    const receiver = calleeText(callee.expression) || '<expression>';
    if (isConsole(callee.expression)) return { level: name, receiver, console: true };
    if (LEVELS.has(name) && !NOT_LOGGERS.has(receiver)) return { level: name, receiver, console: false };
    return null;
  }
  if (ts.isElementAccessExpression(callee)) {
    const receiver = calleeText(callee.expression) || '<expression>';
    if (NOT_LOGGERS.has(receiver)) return null;
    const levels = possibleStrings(callee.argumentExpression, callee, consts);
    if (levels.length > 0 && levels.every((l) => LEVELS.has(l)))
      return { level: [...new Set(levels)].join('|'), receiver, console: isConsole(callee.expression) };
  }
  return null;
}

/**
 * The strings an expression can be without running anything: a literal, a conditional of literals, or a local
 * `const` bound to one of those (`const level = status >= 500 ? 'warn' : 'info'; log[level](...)`).
 */
function possibleStrings(
  e: ts.Expression,
  at: ts.Node,
  consts: ReadonlyMap<string, string>,
  depth = 0,
): string[] {
  e = unwrap(e);
  if (ts.isStringLiteralLike(e)) return [e.text];
  if (ts.isConditionalExpression(e)) {
    const a = possibleStrings(e.whenTrue, at, consts, depth);
    const b = possibleStrings(e.whenFalse, at, consts, depth);
    return a.length > 0 && b.length > 0 ? [...a, ...b] : [];
  }
  if (ts.isIdentifier(e) && depth < 3) {
    const known = consts.get(e.text);
    if (known !== undefined) return [known];
    const decl = localDeclaration(e.text, at);
    if (decl?.initializer && isConstDeclaration(decl))
      return possibleStrings(decl.initializer, decl, consts, depth + 1);
  }
  return [];
}

function isConstDeclaration(decl: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & ts.NodeFlags.Const) !== 0;
}

/** Module-level `const NAME = <string or number literal>`: their values appear verbatim in the logged text. */
function fileConstants(sf: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || (st.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      const init = unwrap(d.initializer);
      if (ts.isStringLiteralLike(init) || ts.isNumericLiteral(init)) out.set(d.name.text, init.text);
    }
  }
  return out;
}

/** The constant text of a value interpolated into a message, or undefined when it varies. */
function constantOf(e: ts.Expression, consts: ReadonlyMap<string, string>): string | undefined {
  e = unwrap(e);
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e)) return e.text;
  if (e.kind === ts.SyntaxKind.TrueKeyword) return 'true';
  if (e.kind === ts.SyntaxKind.FalseKeyword) return 'false';
  if (e.kind === ts.SyntaxKind.NullKeyword) return 'null';
  if (ts.isIdentifier(e)) return consts.get(e.text);
  return undefined;
}

function isStringish(e: ts.Expression, consts: ReadonlyMap<string, string>): boolean {
  e = unwrap(e);
  if (ts.isStringLiteralLike(e) || ts.isTemplateExpression(e)) return true;
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return isStringish(e.left, consts) || isStringish(e.right, consts);
  if (ts.isCallExpression(e)) return isFormatCall(e, consts);
  if (ts.isIdentifier(e)) {
    const v = consts.get(e.text);
    return v !== undefined && Number.isNaN(Number(v));
  }
  return false;
}

/** `util.format('...%s', x)` or `format(...)`: printf-style formatting of a constant pattern. */
function isFormatCall(call: ts.CallExpression, consts: ReadonlyMap<string, string>): boolean {
  const text = calleeText(unwrap(call.expression));
  const first = call.arguments[0];
  return (text === 'format' || text.endsWith('.format')) && first !== undefined && isStringish(first, consts);
}

/** A message expression as template text: constants verbatim, everything that varies as `<*>`. */
function render(e: ts.Expression, consts: ReadonlyMap<string, string>): string {
  e = unwrap(e);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) {
    let out = e.head.text;
    for (const span of e.templateSpans)
      out += (constantOf(span.expression, consts) ?? '<*>') + span.literal.text;
    return out;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return render(e.left, consts) + render(e.right, consts);
  if (ts.isCallExpression(e) && isFormatCall(e, consts)) return printf(render(e.arguments[0]!, consts));
  return constantOf(e, consts) ?? '<*>';
}

function printf(pattern: string): string {
  return pattern.replace(PRINTF, (m) => (m === '%%' ? '%' : '<*>'));
}

/** Adjacent variables print as one token, which is how the miner writes them too (`<*><*>` is `<*>`). */
function fuse(template: string): string {
  let out = template;
  for (let prev = ''; prev !== out;) {
    prev = out;
    out = out.replace(/<\*><\*>/g, '<*>');
  }
  return out;
}

function messageOf(
  call: ts.CallExpression,
  kind: LogKind,
  consts: ReadonlyMap<string, string>,
): { message: string | null; spans: ts.Expression[] } {
  const args = call.arguments;
  const index = args.findIndex((a) => isStringish(a, consts));
  if (index < 0) return { message: null, spans: [] };
  const arg = args[index]!;
  let message = render(arg, consts);
  // pino, winston, bunyan and console all format a constant first argument printf-style
  const specifiers = (message.match(PRINTF) ?? []).filter((m) => m !== '%%').length;
  message = printf(message);
  if (kind.console) {
    // console prints the arguments the pattern did not consume after it, separated by spaces
    for (const extra of args.slice(index + 1 + specifiers))
      message += ` ${constantOf(extra, consts) ?? '<*>'}`;
  }
  const spans = ts.isTemplateExpression(unwrap(arg))
    ? (unwrap(arg) as ts.TemplateExpression).templateSpans
        .map((s) => s.expression)
        .filter((x) => constantOf(x, consts) === undefined)
    : [];
  const fused = fuse(message);
  return { message: /[^\s<>*]/.test(fused.replace(/<\*>/g, '')) ? fused : null, spans };
}

function siteOf(
  call: ts.CallExpression,
  kind: LogKind,
  sf: ts.SourceFile,
  path: string,
  consts: ReadonlyMap<string, string>,
): LogCallSite {
  const { line, column } = lineColumn(sf, call.getStart(sf));
  const fnNode = enclosingFunctionNode(call);
  const { message, spans } = messageOf(call, kind, consts);
  const keys: string[] = [];
  const constants: Record<string, string> = {};
  const measures: Record<string, LineSpan> = {};
  const object = call.arguments.map(unwrap).find(ts.isObjectLiteralExpression);
  for (const prop of object?.properties ?? []) {
    const key =
      prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : null;
    if (key === null || ts.isSpreadAssignment(prop)) continue;
    keys.push(key);
    const value = ts.isPropertyAssignment(prop)
      ? prop.initializer
      : ts.isShorthandPropertyAssignment(prop)
        ? prop.name
        : null;
    if (!value) continue;
    const constant = constantOf(value, consts);
    if (constant !== undefined && ts.isPropertyAssignment(prop) && !ts.isNumericLiteral(unwrap(value)))
      constants[key] = constant;
    else if (constant === undefined && fnNode) {
      const span = measureOf(value, call, line - 1, fnNode, sf, 0);
      if (span) measures[key] = span;
    }
  }
  if (fnNode) {
    spans.forEach((expr, i) => {
      const span = measureOf(expr, call, line - 1, fnNode, sf, 0);
      if (span) measures[`$${i}`] = span;
    });
  }
  return {
    path,
    line,
    column,
    endLine: endLine(call, sf),
    level: kind.level,
    receiver: kind.receiver,
    fn: fnNode ? functionRef(fnNode, sf) : null,
    message,
    keys,
    constants,
    previous: previousLog(call, consts, sf),
    measures,
    test: isTestPath(path),
  };
}

function statementsOf(node: ts.Node): readonly ts.Statement[] | undefined {
  if (ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node)) return node.statements;
  if (ts.isCaseClause(node) || ts.isDefaultClause(node)) return node.statements;
  return undefined;
}

function isLogStatement(st: ts.Statement, consts: ReadonlyMap<string, string>): boolean {
  if (!ts.isExpressionStatement(st)) return false;
  let e = unwrap(st.expression);
  while (ts.isAwaitExpression(e) || ts.isVoidExpression(e)) e = unwrap(e.expression);
  return ts.isCallExpression(e) && logCallKind(e, consts) !== null;
}

/**
 * The nearest earlier log statement that dominates the call: a sibling statement before it in its block, or
 * before one of the statements around it, up to the function's body. Log calls inside branches and loops are
 * skipped (they may not run), and the walk stops at the function: a callback's lines start with the callback.
 */
function previousLog(
  call: ts.CallExpression,
  consts: ReadonlyMap<string, string>,
  sf: ts.SourceFile,
): LineSpan | null {
  for (let node: ts.Node = call; node.parent && !isFunctionLikeNode(node); node = node.parent) {
    const siblings = statementsOf(node.parent);
    if (!siblings) continue;
    const index = siblings.indexOf(node as ts.Statement);
    for (let i = index - 1; i >= 0; i--) {
      const st = siblings[i]!;
      if (isLogStatement(st, consts)) return { startLine: startLine(st, sf), endLine: endLine(st, sf) };
    }
  }
  return null;
}

/**
 * The latest declaration of a variable visible at a node inside the same function, by scope walk over the
 * blocks around it (syntax only; good enough for the `const x = await timed(...)` a log line then reports).
 */
function localDeclaration(name: string, at: ts.Node): ts.VariableDeclaration | undefined {
  const before = at.getStart();
  for (let node: ts.Node = at; node.parent && !isFunctionLikeNode(node); node = node.parent) {
    const siblings = statementsOf(node.parent);
    if (!siblings) continue;
    let found: ts.VariableDeclaration | undefined;
    for (const st of siblings) {
      if (st.getStart() >= before) break;
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name) found = d;
    }
    if (found) return found;
  }
  return undefined;
}

function rootIdentifier(e: ts.Expression): ts.Identifier | undefined {
  e = unwrap(e);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

/** The first difference `a - b` inside an expression (not inside a nested function): a clock reading minus a start. */
function findDifference(e: ts.Node): ts.BinaryExpression | undefined {
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.MinusToken) return e;
  if (isFunctionLikeNode(e)) return undefined;
  return ts.forEachChild(e, findDifference);
}

function statementOf(decl: ts.VariableDeclaration): ts.Node {
  return ts.isVariableDeclarationList(decl.parent) && ts.isVariableStatement(decl.parent.parent)
    ? decl.parent.parent
    : decl;
}

/**
 * What code a logged value measures (see LogCallSite.measures). `durationMs: reservation.ms` where
 * `const reservation = await timed(() => inventory.reserve(...))` measures that statement; `ms` where
 * `const ms = now() - started` measures the lines from `started`'s declaration to `ms`'s.
 */
function measureOf(
  value: ts.Expression,
  use: ts.Node,
  until: number,
  fn: ts.Node,
  sf: ts.SourceFile,
  depth: number,
): LineSpan | undefined {
  if (depth > 3) return undefined;
  const diff = findDifference(value);
  if (diff) {
    const start = rootIdentifier(diff.right);
    const decl = start && localDeclaration(start.text, use);
    if (!decl || decl.pos < fn.pos || decl.end > fn.end) return undefined;
    const from = startLine(statementOf(decl), sf);
    return { startLine: from, endLine: Math.max(from, until) };
  }
  const root = rootIdentifier(value);
  const decl = root && localDeclaration(root.text, use);
  // a `let` is reassigned later: its declaration is not where the logged value came from
  if (!decl || !decl.initializer || !isConstDeclaration(decl) || decl.pos < fn.pos || decl.end > fn.end)
    return undefined;
  const st = statementOf(decl);
  let init = unwrap(decl.initializer);
  while (ts.isAwaitExpression(init)) init = unwrap(init.expression);
  // an alias (`const held = reservation.value`) or a difference of clock readings measures what its parts did
  if (
    findDifference(init) ||
    ((ts.isIdentifier(init) || ts.isPropertyAccessExpression(init)) && rootIdentifier(init))
  ) {
    const inner = measureOf(init, decl, endLine(st, sf), fn, sf, depth + 1);
    if (inner) return inner;
  }
  return { startLine: startLine(st, sf), endLine: endLine(st, sf) };
}

/** Names under which a log line reports how long something took (`durationMs`, `elapsed`, `latency_ms`, `tookMs`). */
const DURATION_KEY = /^(duration|elapsed|latency|took|time)|(ms|millis|seconds|duration|elapsed|latency)$/i;
/** A unit after a message's `<*>` that makes it a duration (`took <*> ms`). */
const DURATION_UNIT = /^\s*(ms|msec|millis|milliseconds|s|sec|secs|seconds|us|µs|ns)\b/i;

/**
 * The code a metric of a log line measures (see LogCallSite.measures). A field name (`durationMs`) or message
 * position (`$2`) is looked up as it is; a detector's metric name (`latency.p95`, `duration`) stands for whichever
 * duration the line reports: a duration-named field first, then a `<*>` followed by a time unit.
 */
export function measureFor(site: LogCallSite, metric: string): LineSpan | undefined {
  const exact = site.measures[metric];
  if (exact) return exact;
  if (!/latency|duration|elapsed|time|took/i.test(metric)) return undefined;
  for (const key of site.keys) {
    const span = site.measures[key];
    if (span && DURATION_KEY.test(key)) return span;
  }
  const parts = (site.message ?? '').split('<*>');
  for (let k = 0; k + 1 < parts.length; k++) {
    const span = site.measures[`$${k}`];
    if (span && DURATION_UNIT.test(parts[k + 1]!)) return span;
  }
  return undefined;
}
