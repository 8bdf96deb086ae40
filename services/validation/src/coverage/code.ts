import ts from 'typescript';

function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.tsx$/.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(fileName)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/**
 * Which characters of a source file are comments (1) or not (0). Parsed, not pattern-matched: `//` in a string,
 * a template or a regular expression is code. Every comment is trivia before some token, so the leading comments of
 * all tokens (found through the parsed tree, which knows a regex from a division) are all the comments.
 */
export function commentMask(text: string, fileName: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKindOf(fileName));
  const seen = new Set<number>();
  // A loop, not recursion: nesting depth is the file author's choice.
  const pending: ts.Node[] = [source];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (!seen.has(node.pos)) {
      seen.add(node.pos);
      for (const c of ts.getLeadingCommentRanges(text, node.pos) ?? []) mask.fill(1, c.pos, c.end);
    }
    pending.push(...node.getChildren(source));
  }
  // The shebang is not code either.
  if (text.startsWith('#!')) mask.fill(1, 0, Math.max(0, text.indexOf('\n')));
  return mask;
}

/**
 * Characters that cannot make a line executable on their own: a line of closing brackets and separators (`});`)
 * ends code started elsewhere, and V8 may count it under a block that never ran (after a `return`).
 */
const CLOSER = /[\s})\];,]/;

/** Offsets where each line starts, and the line (0-based) of an offset by binary search. */
export class LineIndex {
  readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset of a 0-based line and column, or -1 when outside the text. */
  offsetOf(line: number, column: number): number {
    const start = this.starts[line];
    if (start === undefined) return -1;
    const end = this.starts[line + 1] ?? this.text.length + 1;
    return start + column < end ? start + column : -1;
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Whether the character at `offset` is code that can make its line executable. */
export function isCodeAt(text: string, mask: Uint8Array, offset: number): boolean {
  const ch = text[offset];
  return ch !== undefined && mask[offset] === 0 && !CLOSER.test(ch);
}

/**
 * The lines (1-based) of a source file that hold code, for a file no test loaded (so V8 never saw it): lines with a
 * character that is not a comment, blank or a closer, and not inside a TypeScript declaration that compiles to
 * nothing (interfaces, type aliases, `declare`, type-only imports and exports). An estimate of what the compiler
 * would map; a file that ran has its executable lines from its source map instead.
 */
export function codeLines(text: string, fileName: string): number[] {
  const mask = commentMask(text, fileName);
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKindOf(fileName));
  for (const statement of source.statements) {
    if (compilesToNothing(statement)) mask.fill(1, statement.pos, statement.end);
  }
  const index = new LineIndex(text);
  const lines: number[] = [];
  for (let line = 0; line < index.lineCount; line++) {
    const start = index.starts[line]!;
    const end = index.starts[line + 1] ?? text.length;
    for (let o = start; o < end; o++) {
      if (isCodeAt(text, mask, o)) {
        lines.push(line + 1);
        break;
      }
    }
  }
  return lines;
}

function compilesToNothing(node: ts.Statement): boolean {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) {
    return true;
  }
  if (ts.isImportDeclaration(node)) return node.importClause?.isTypeOnly === true;
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  return false;
}
