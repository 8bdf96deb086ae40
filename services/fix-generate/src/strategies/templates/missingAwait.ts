import ts from 'typescript';
import { focusLine, linesIn, SCRIPT_FILE } from '../evidence.js';
import type { CandidateChange, FixInput, FixStrategy, RemedyKind } from '../types.js';
import {
  collect,
  enclosingFunction,
  endLine,
  isAsync,
  isFunctionNode,
  parse,
  startLine,
  toCandidates,
  type Draft,
  type FunctionNode,
} from './ast.js';

/**
 * A missing `await` (or `return`): a call whose promise is dropped, so its rejection escapes as an unhandled
 * rejection and its work races the code after it. Without types the template needs evidence that the callee is
 * asynchronous: a function of the same file declared `async`, or the same callee awaited elsewhere in the file.
 * Inside an async function the call gets `await`; in a plain function whose last statement it is, `return`.
 */

/** Lines either side of an evidence line where a dropped promise may sit (the stack points at the consumer). */
const NEAR = 3;

/** The callee as written, `a.b.c`, or undefined for computed callees. */
function calleeText(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return e.getText().replace(/\s+/g, '');
  return undefined;
}

const lastName = (callee: string): string => callee.slice(callee.lastIndexOf('.') + 1);

/** Names of functions and methods declared async in the file, and callees awaited somewhere in it. */
function asyncEvidence(sf: ts.SourceFile): { declared: Set<string>; awaited: Set<string> } {
  const declared = new Set<string>();
  for (const fn of collect(sf, isFunctionNode)) {
    if (!isAsync(fn)) continue;
    const name = ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) ? fn.name?.getText() : undefined;
    const bound =
      (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent)
        ? fn.parent.name.getText()
        : undefined;
    for (const n of [name, bound]) if (n) declared.add(n);
  }
  const awaited = new Set<string>();
  for (const a of collect(sf, ts.isAwaitExpression)) {
    const inner = a.expression;
    if (ts.isCallExpression(inner)) {
      const c = calleeText(inner);
      if (c) awaited.add(c);
    }
  }
  return { declared, awaited };
}

interface Site {
  call: ts.CallExpression;
  fn: FunctionNode;
  /** The statement the call is the whole of (`call();`), if it is. */
  statement?: ts.ExpressionStatement;
}

/** Calls on the lines whose promise nobody takes: statement calls and initialisers not awaited, returned or voided. */
function droppedCalls(sf: ts.SourceFile, from: number, to: number): Site[] {
  const out: Site[] = [];
  for (const call of collect(sf, ts.isCallExpression)) {
    const line = startLine(call);
    if (line < from || line > to) continue;
    const p = call.parent;
    const fn = enclosingFunction(call);
    if (!fn) continue;
    if (ts.isExpressionStatement(p)) out.push({ call, fn, statement: p });
    else if (ts.isVariableDeclaration(p) && p.initializer === call) out.push({ call, fn });
  }
  return out;
}

export function awaitDrafts(
  path: string,
  text: string,
  lines: ReadonlyArray<{ line: number; weight: number }>,
): Draft[] {
  const sf = parse(path, text);
  const { declared, awaited } = asyncEvidence(sf);
  const drafts: Draft[] = [];
  const seen = new Set<ts.CallExpression>();
  for (const { line, weight } of lines) {
    for (const site of droppedCalls(sf, line - NEAR, line + NEAR)) {
      if (seen.has(site.call)) continue;
      seen.add(site.call);
      const callee = calleeText(site.call);
      if (!callee) continue;
      const proof = awaited.has(callee) ? 0.8 : declared.has(lastName(callee)) ? 0.85 : 0;
      if (proof === 0) continue;
      const distance = Math.abs(startLine(site.call) - line);
      const near = 1 - distance / (NEAR + 1);
      const at = `${path}:${startLine(site.call)}`;
      if (isAsync(site.fn)) {
        drafts.push({
          path,
          text: `${text.slice(0, site.call.getStart())}await ${text.slice(site.call.getStart())}`,
          rationale: `Awaits \`${callee}(…)\` at ${at}: its promise was dropped, so its failure escaped the function.`,
          fit: proof * (0.5 + 0.5 * weight) * (0.6 + 0.4 * near),
        });
      } else if (site.statement && isLastStatement(site.fn, site.statement)) {
        drafts.push({
          path,
          text: `${text.slice(0, site.statement.getStart())}return ${text.slice(site.statement.getStart())}`,
          rationale: `Returns the promise of \`${callee}(…)\` at ${at}, so the caller waits for it and sees its failure.`,
          fit: 0.8 * proof * (0.5 + 0.5 * weight) * (0.6 + 0.4 * near),
        });
      }
    }
  }
  return drafts;
}

function isLastStatement(fn: FunctionNode, stmt: ts.Statement): boolean {
  const body = fn.body;
  return !!body && ts.isBlock(body) && body.statements.at(-1) === stmt && endLine(stmt) <= endLine(body);
}

export class MissingAwaitTemplate implements FixStrategy {
  readonly name = 'template-missing-await';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['missing-await', 'code-template'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const at = focusLine(input);
    if (!at || !SCRIPT_FILE.test(at.path)) return [];
    const text = await input.repo.read(at.path);
    if (text === undefined) return [];
    const lines = linesIn(input, at.path);
    if (!lines.some((l) => l.line === at.line)) lines.unshift({ line: at.line, weight: 1 });
    return toCandidates(this, input, new Map([[at.path, text]]), awaitDrafts(at.path, text, lines)).slice(
      0,
      4,
    );
  }
}
