import ts from 'typescript';
import type { CandidateChange, FixInput, FixStrategy, RemedyKind } from '../types.js';
import {
  applyEdits,
  collect,
  draftsOnEvidenceFiles,
  indentAt,
  isFunctionNode,
  lineStartAt,
  parse,
  reindent,
  startLine,
  type Draft,
} from './ast.js';

/**
 * A throw handed to the error callback in scope (TBar's "wrap with try-catch", with the handler taken from the code
 * around it rather than invented): in callback-style code (`next(err)`, `done(err)`, `callback(err)`), a statement
 * on the evidence lines that can throw runs inside `try`, and what it throws goes to the callback the enclosing
 * functions already use to report errors, instead of escaping up the stack where nothing answers for it (a request
 * that never gets its error response, a stream that dies). The callback is a variable of an enclosing function that
 * some call there passes an error to (`old(err)`, `next(e)`, `cb(new Error(...))`); the innermost such function's
 * callback fits best. Two extents per statement: the statement alone, and the statement with the rest of its block
 * (what follows it usually depends on it).
 */

/** Argument names that say "this is an error" in callback-style code. */
const ERROR_NAME = /^(err|error|e|er|ex|exc|exception)$/i;

function isErrorLike(arg: ts.Expression): boolean {
  if (ts.isIdentifier(arg)) return ERROR_NAME.test(arg.text);
  return ts.isNewExpression(arg) && ts.isIdentifier(arg.expression) && /Error$/.test(arg.expression.text);
}

/** Parameters and variables a function declares itself. */
function declaredBy(fn: ts.Node): Set<string> {
  const out = new Set<string>();
  if (isFunctionNode(fn)) for (const p of fn.parameters) if (ts.isIdentifier(p.name)) out.add(p.name.text);
  const visit = (n: ts.Node): void => {
    if (n !== fn && isFunctionNode(n)) return; // a nested function's variables are not in scope here
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) out.add(n.name.text);
    n.forEachChild(visit);
  };
  visit(fn);
  return out;
}

/**
 * The error callbacks visible at `node`, innermost function first: names declared by an enclosing function that a
 * call inside that function passes an error to.
 */
export function errorCallbacksAt(node: ts.Node): string[] {
  const out: string[] = [];
  let depth = 0;
  for (let n: ts.Node | undefined = node.parent; n && depth < 4; n = n.parent) {
    if (!isFunctionNode(n)) continue;
    depth++;
    const own = declaredBy(n);
    for (const call of collect(n, ts.isCallExpression)) {
      const callee = call.expression;
      if (!ts.isIdentifier(callee) || !own.has(callee.text) || out.includes(callee.text)) continue;
      const [first] = call.arguments;
      if (first && isErrorLike(first)) out.push(callee.text);
    }
  }
  return out;
}

/**
 * Whether a statement calls something that can fail: a call or `new` other than the error callback itself (a
 * statement that only reports an error to it has nothing to hand over).
 */
function callsOut(s: ts.Statement, callback: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionNode(n)) return;
    if (ts.isCallExpression(n) && !(ts.isIdentifier(n.expression) && n.expression.text === callback))
      found = true;
    else if (ts.isNewExpression(n)) found = true;
    else n.forEachChild(visit);
  };
  visit(s);
  return found;
}

/**
 * A declaration whose names the statements after it read: it is wrapped together with them or not at all. A
 * `let`/`const` inside `try` would be out of their scope; a `var` alone inside `try` hands over a throw of its
 * initialiser but leaves the uses, where the failure shows, outside.
 */
function feedsTheRest(s: ts.Statement, rest: readonly ts.Statement[]): boolean {
  if (!ts.isVariableStatement(s)) return false;
  const names = new Set(
    s.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : [])),
  );
  return rest.some((r) => collect(r, ts.isIdentifier).some((i) => names.has(i.text)));
}

export function errorCallbackDrafts(
  path: string,
  text: string,
  lines: ReadonlyArray<{ line: number; weight: number }>,
): Draft[] {
  const sf = parse(path, text);
  const drafts: Draft[] = [];
  const seen = new Set<ts.Statement>();
  // The first (outermost) statement that starts on each line.
  const statementAt = new Map<number, ts.Statement>();
  for (const s of collect(sf, (n): n is ts.Statement => ts.isStatement(n) && !ts.isBlock(n)))
    if (!statementAt.has(startLine(s))) statementAt.set(startLine(s), s);
  for (const { line, weight } of lines) {
    const statement = statementAt.get(line);
    if (!statement || seen.has(statement) || !ts.isBlock(statement.parent)) continue;
    seen.add(statement);
    if (
      ts.isTryStatement(statement) ||
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement)
    )
      continue;
    const start = statement.getStart();
    const lineStart = lineStartAt(text, start);
    if (text.slice(lineStart, start).trim() !== '') continue; // shares its line with other code: not rewrapped
    const [callback, other] = errorCallbacksAt(statement);
    if (!callback || !callsOut(statement, callback)) continue;
    const block = statement.parent.statements;
    const after = block.slice(block.indexOf(statement) + 1);
    const extents: Array<{ last: ts.Statement; fit: number }> = [];
    if (!feedsTheRest(statement, after)) extents.push({ last: statement, fit: 1 });
    if (after.length > 0) extents.push({ last: after.at(-1)!, fit: extents.length ? 0.9 : 1 });
    const indent = indentAt(text, start);
    const unit = indentUnit(text, statement.parent, indent);
    for (const { last, fit } of extents) {
      const body = text.slice(start, last.end);
      const wrapped =
        `${indent}try {\n${indent}${unit}${reindent(body, indent, indent + unit)}\n` +
        `${indent}} catch (err) {\n${indent}${unit}return ${callback}(err);\n${indent}}`;
      const out = applyEdits(text, [{ start: lineStart, end: last.end, text: wrapped }]);
      if (!out) continue;
      const lastLine = startLine(last);
      drafts.push({
        path,
        text: out,
        rationale:
          `Runs ${path}:${line}${lastLine > line ? `-${lastLine}` : ''} inside try and hands what it throws to ` +
          `\`${callback}\`, which this code already calls with its errors: a throw there escaped the callback chain.`,
        fit: 0.35 * fit * (0.5 + 0.5 * weight) * (other ? 0.9 : 1),
      });
    }
  }
  return drafts;
}

/** One level of indentation as the file writes it: the block's statements' indent beyond the block's own line. */
function indentUnit(text: string, block: ts.Block, inner: string): string {
  const outer = indentAt(text, block.getStart());
  if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
  return inner.includes('\t') ? '\t' : '  ';
}

export class ErrorCallbackTemplate implements FixStrategy {
  readonly name = 'template-error-callback';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['guard', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    return (await draftsOnEvidenceFiles(this, input, 6, errorCallbackDrafts)).slice(0, 4);
  }
}
