/**
 * Code blocks of documentation must at least parse: an example that is not valid TypeScript, JavaScript or JSON
 * misleads every reader who copies it. Parsing only (the TypeScript compiler's syntactic diagnostics, JSON.parse):
 * a snippet seldom has the imports and declarations a type check would need.
 */
import ts from 'typescript';
import type { CodeBlock } from './markdown.js';

const TYPESCRIPT = new Map<string, string>([
  ['ts', 'snippet.ts'],
  ['typescript', 'snippet.ts'],
  ['mts', 'snippet.mts'],
  ['cts', 'snippet.cts'],
  ['tsx', 'snippet.tsx'],
  ['js', 'snippet.js'],
  ['javascript', 'snippet.js'],
  ['mjs', 'snippet.mjs'],
  ['cjs', 'snippet.cjs'],
  ['jsx', 'snippet.jsx'],
]);

/** Info-string words that mark a block as deliberately not runnable (rustdoc's convention). */
const OPT_OUT = /\b(ignore|no-check|nocheck|skip)\b/i;

export function isCheckedLanguage(lang: string): boolean {
  return TYPESCRIPT.has(lang) || lang === 'json';
}

/** The first syntax error of a block, with its 1-based line in the Markdown file, or null when it parses. */
export function codeBlockError(block: CodeBlock): { line: number; message: string } | null {
  if (OPT_OUT.test(block.attributes)) return null;
  const at = (offset: number) => block.line + 1 + (block.code.slice(0, offset).match(/\n/g)?.length ?? 0);
  if (block.lang === 'json') {
    if (block.code.trim() === '') return { line: block.line, message: 'empty JSON block' };
    try {
      JSON.parse(block.code);
      return null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const position = /at position (\d+)/.exec(message);
      return { line: position ? at(Number(position[1])) : block.line + 1, message: `JSON: ${message}` };
    }
  }
  const fileName = TYPESCRIPT.get(block.lang);
  if (!fileName) return null;
  const out = ts.transpileModule(block.code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      jsx: ts.JsxEmit.Preserve,
    },
  });
  const first = (out.diagnostics ?? []).find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!first) return null;
  return {
    line: first.start === undefined ? block.line + 1 : at(first.start),
    message: `${block.lang}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`,
  };
}
