import ts from 'typescript';
import { clampFit, linesIn, SCRIPT_FILE, topLines } from '../evidence.js';
import type { CandidateChange, FixInput, FixStrategy } from '../types.js';

/**
 * The syntax-tree side of the templates: parse with the TypeScript compiler API, find nodes by line, and turn a
 * decision into text edits at node positions, so that everything a template does not touch keeps its bytes (its
 * formatting, comments and line endings). Nothing here evaluates code.
 */

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function parse(path: string, text: string): ts.SourceFile {
  const kind = /\.tsx$/.test(path)
    ? ts.ScriptKind.TSX
    : /\.jsx$/.test(path)
      ? ts.ScriptKind.JSX
      : /\.(js|mjs|cjs)$/.test(path)
        ? ts.ScriptKind.JS
        : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

/** Applies non-overlapping edits (positions in the original text); undefined when two overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) return undefined;
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** 1-based line of a position. */
export const lineOf = (sf: ts.SourceFile, pos: number): number =>
  sf.getLineAndCharacterOfPosition(pos).line + 1;

/** 1-based line where a node's own text starts (after its comments). */
export const startLine = (node: ts.Node): number => lineOf(node.getSourceFile(), node.getStart());

export const endLine = (node: ts.Node): number => lineOf(node.getSourceFile(), node.end);

/** Every node, depth first, for which `keep` holds. */
export function collect<T extends ts.Node>(root: ts.Node, keep: (n: ts.Node) => n is T): T[] {
  const out: T[] = [];
  const visit = (n: ts.Node): void => {
    if (keep(n)) out.push(n);
    n.forEachChild(visit);
  };
  visit(root);
  return out;
}

/** The leading whitespace of the line holding `pos`. */
export function indentAt(text: string, pos: number): string {
  const start = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** Start of the line holding `pos`. */
export const lineStartAt = (text: string, pos: number): number => text.lastIndexOf('\n', pos - 1) + 1;

/** Moves a block of code from one indentation to another, line by line (the first line is placed by the caller). */
export function reindent(code: string, from: string, to: string): string {
  return code
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.startsWith(from) ? to + l.slice(from.length) : l))
    .join('\n');
}

/** The statement a node belongs to (a block is not a statement one can guard or move). */
export function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (ts.isStatement(n) && !ts.isBlock(n)) return n;
  return undefined;
}

export type FunctionNode =
  | ts.FunctionDeclaration
  | ts.MethodDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

export function isFunctionNode(n: ts.Node): n is FunctionNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

export function enclosingFunction(node: ts.Node): FunctionNode | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionNode(n)) return n;
  return undefined;
}

export const isAsync = (fn: FunctionNode): boolean =>
  (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) !== 0;

/**
 * A name for a function that survives edits elsewhere in the file: `Class.method`, `function`, or the variable an
 * arrow is assigned to; undefined for anonymous callbacks (the caller then uses the named function around them).
 */
export function functionName(fn: ts.Node): string | undefined {
  const own = (n: ts.Node): string | undefined => {
    if (
      (ts.isFunctionDeclaration(n) ||
        ts.isMethodDeclaration(n) ||
        ts.isGetAccessorDeclaration(n) ||
        ts.isSetAccessorDeclaration(n)) &&
      n.name
    )
      return n.name.getText();
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent))
      return n.parent.name.getText();
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isPropertyAssignment(n.parent))
      return n.parent.name.getText();
    return undefined;
  };
  const name = own(fn);
  if (!name) return undefined;
  const cls = fn.parent && ts.isClassLike(fn.parent) ? fn.parent.name?.getText() : undefined;
  return cls ? `${cls}.${name}` : name;
}

/** The innermost named function holding `line` (an anonymous callback belongs to the function around it). */
export function namedFunctionAt(sf: ts.SourceFile, line: number): FunctionNode | undefined {
  let found: FunctionNode | undefined;
  const visit = (n: ts.Node): void => {
    if (startLine(n) > line || endLine(n) < line) return;
    if (isFunctionNode(n) && n.body && functionName(n)) found = n;
    n.forEachChild(visit);
  };
  visit(sf);
  return found;
}

export function functionsByName(sf: ts.SourceFile): Map<string, FunctionNode> {
  const out = new Map<string, FunctionNode>();
  for (const fn of collect(sf, isFunctionNode)) {
    const name = functionName(fn);
    if (name && fn.body && !out.has(name)) out.set(name, fn);
  }
  return out;
}

/** True when the text parses without syntax errors (a template must never hand the stage broken code). */
export function parsesCleanly(path: string, text: string): boolean {
  const out = ts.transpileModule(text, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.Latest, module: ts.ModuleKind.ESNext, isolatedModules: false },
  });
  return (out.diagnostics ?? []).every((d) => d.category !== ts.DiagnosticCategory.Error);
}

/** A statement's text without layout or comments: what makes two versions of a statement "the same". */
export function statementKey(node: ts.Node): string {
  return ts
    .createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })
    .printNode(ts.EmitHint.Unspecified, node, node.getSourceFile())
    .replace(/\s+/g, ' ')
    .replace(/,\s*([)\]}])/g, '$1');
}

/** Identifier names a file uses outside its import declarations. */
function namesUsed(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) return;
    if (ts.isIdentifier(n)) out.add(n.text);
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

/**
 * Removes the imports an edit left unused (a condition that no longer names an error class): names the file used
 * before the edit and no longer does. An import left with only types becomes `import type`, as the code base's own
 * style would write it; names that were unused before are not touched (not this edit's business).
 */
export function pruneImports(path: string, before: string, after: string): string {
  const was = namesUsed(parse(path, before));
  const sf = parse(path, after);
  const now = namesUsed(sf);
  const edits: TextEdit[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause || st.importClause.isTypeOnly) continue;
    const bindings = st.importClause.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings) || st.importClause.name) continue;
    const gone = (e: ts.ImportSpecifier) => was.has(e.name.text) && !now.has(e.name.text);
    const kept = bindings.elements.filter((e) => !gone(e));
    if (kept.length === bindings.elements.length) continue;
    const module = st.moduleSpecifier.getText();
    if (kept.length === 0) {
      const from = lineStartAt(after, st.getStart());
      const nl = after.indexOf('\n', st.end);
      edits.push({ start: from, end: nl < 0 ? after.length : nl + 1, text: '' });
      continue;
    }
    const allTypes = kept.every((e) => e.isTypeOnly);
    const names = kept.map((e) => (allTypes ? e.getText().replace(/^type\s+/, '') : e.getText()));
    edits.push({
      start: st.getStart(),
      end: st.end,
      text: `import ${allTypes ? 'type ' : ''}{ ${names.join(', ')} } from ${module};`,
    });
  }
  return edits.length === 0 ? after : (applyEdits(after, edits) ?? after);
}

export interface Draft {
  path: string;
  text: string;
  rationale: string;
  fit: number;
}

/**
 * Turns drafts into candidates: drops those that change nothing, fail to parse, or repeat an earlier draft's text
 * (keeping the best fit), and sorts them best first.
 */
export function toCandidates(
  strategy: FixStrategy,
  input: FixInput,
  original: Map<string, string>,
  drafts: readonly Draft[],
): CandidateChange[] {
  const byText = new Map<string, Draft>();
  for (const draft of drafts) {
    const before = original.get(draft.path);
    const d = before === undefined ? draft : { ...draft, text: pruneImports(draft.path, before, draft.text) };
    if (d.text === before || !parsesCleanly(d.path, d.text)) continue;
    const key = `${d.path}\0${d.text}`;
    const had = byText.get(key);
    if (!had || had.fit < d.fit) byText.set(key, d);
  }
  return [...byText.values()]
    .sort((a, b) => b.fit - a.fit)
    .map((d) => ({
      strategy: strategy.name,
      strategyVersion: strategy.version,
      remedyId: input.remedy.id,
      files: new Map([[d.path, d.text]]),
      rationale: d.rationale,
      fit: clampFit(d.fit),
    }));
}

/**
 * A per-file template run over the script files of the best `n` evidence lines: each file read once at the base
 * commit, `draftsOf` given its text and its evidence lines (weights relative to the best), the drafts made
 * candidates best first.
 */
export async function draftsOnEvidenceFiles(
  strategy: FixStrategy,
  input: FixInput,
  n: number,
  draftsOf: (path: string, text: string, lines: Array<{ line: number; weight: number }>) => Draft[],
): Promise<CandidateChange[]> {
  const paths = [...new Set(topLines(input, n).map((l) => l.path))].filter((p) => SCRIPT_FILE.test(p));
  const originals = new Map<string, string>();
  const drafts: Draft[] = [];
  for (const path of paths) {
    const text = await input.repo.read(path);
    if (text === undefined) continue;
    originals.set(path, text);
    drafts.push(...draftsOf(path, text, linesIn(input, path, n)));
  }
  return toCandidates(strategy, input, originals, drafts);
}
