/**
 * Textual evidence (information-retrieval fault localization): tests are named after what they exercise
 * ("res.format(obj) given .default should work"), so the words of the failing tests' titles and errors that are
 * rare among all tests' titles point at the code that defines those names. A line is scored by the words its
 * enclosing definition's header (and the line itself) shares with the failing tests, weighted by inverse document
 * frequency over the suite's titles, so words every test uses ("should", "res") count for little.
 */

const DEFINITION = /\b(function|def|func|fn|class|method|sub|proc)\b|=>|\)\s*\{\s*$/;
const CONTROL = /^\s*(\}\s*)?(if|else|for|while|do|switch|catch|try|finally|with|elif|except)\b/;
const MAX_WALK = 300;

export function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length >= 2 && !/^\d+$/.test(t));
}

const indentOf = (line: string): number => /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;

/** The 1-based line of the definition enclosing a line: the nearest line above, less indented, that defines. */
export function enclosingHeaderLine(fileLines: readonly string[], line: number): number | undefined {
  const own = fileLines[line - 1];
  if (own === undefined) return undefined;
  let indent = indentOf(own);
  for (let i = line - 2; i >= 0 && i >= line - 1 - MAX_WALK; i--) {
    const text = fileLines[i]!;
    if (text.trim() === '') continue;
    const ind = indentOf(text);
    if (ind < indent) {
      if (DEFINITION.test(text) && !CONTROL.test(text)) return i + 1;
      indent = ind;
    }
  }
  return undefined;
}

export function enclosingHeader(fileLines: readonly string[], line: number): string | undefined {
  const at = enclosingHeaderLine(fileLines, line);
  return at === undefined ? undefined : fileLines[at - 1];
}

export interface TextModel {
  /** Score in [0, 1] of a line given its file's text. */
  score(fileLines: readonly string[], line: number): number;
}

/**
 * The headers of the definitions enclosing a line, innermost first, at most `levels` of them: a callback's own header
 * (`function (err) {`) names nothing, the method around it does.
 */
export function enclosingHeaders(fileLines: readonly string[], line: number, levels: number): string[] {
  const headers: string[] = [];
  let at: number | undefined = line;
  while (headers.length < levels && at !== undefined) {
    at = enclosingHeaderLine(fileLines, at);
    if (at !== undefined) headers.push(fileLines[at - 1]!);
  }
  return headers;
}

export function textModel(
  failing: readonly { title: string; error?: string }[],
  allTitles: readonly string[],
  options: { levels?: number } = {},
): TextModel {
  const levels = options.levels ?? 1;
  const df = new Map<string, number>();
  for (const title of allTitles) for (const t of new Set(tokens(title))) df.set(t, (df.get(t) ?? 0) + 1);
  const n = Math.max(1, allTitles.length);
  const idf = (t: string): number => Math.log((n + 1) / ((df.get(t) ?? 0) + 1));
  const queries = failing.map((f) => {
    const words = new Set([...tokens(f.title), ...tokens(f.error ?? '')]);
    const total = [...words].reduce((s, w) => s + idf(w), 0);
    return { words, total };
  });
  return {
    score(fileLines, line) {
      if (queries.length === 0) return 0;
      const own = fileLines[line - 1] ?? '';
      const words = new Set(tokens(own));
      for (const header of enclosingHeaders(fileLines, line, levels))
        for (const w of tokens(header)) words.add(w);
      let sum = 0;
      for (const q of queries) {
        if (q.total === 0) continue;
        let shared = 0;
        for (const w of words) if (q.words.has(w)) shared += idf(w);
        sum += shared / q.total;
      }
      return sum / queries.length;
    },
  };
}
