import { posix } from 'node:path';
import type { RepoView } from '../strategies/types.js';

/**
 * How the application tests itself, read from its package.json and its test files: the framework, where tests
 * live, how they import the code under test and which assertion library they use. A generated test that looks
 * like its neighbours is one a maintainer keeps.
 */
export type Framework = 'node:test' | 'vitest' | 'jest' | 'mocha';

export interface TestStyle {
  framework: Framework;
  /** Test files of the repository (source, not build output), e.g. `test/input.test.ts`. */
  testFiles: string[];
  quote: "'" | '"';
  semicolons: boolean;
  indent: string;
}

/** A test file by the usual conventions: `*.test.*`, `*.spec.*`, or any script under a test folder. */
const TEST_FILE = /(^|\/)(__tests__|tests?)\/.*\.[cm]?[jt]sx?$|\.(test|spec)\.[cm]?[jt]sx?$/;
const OUTSIDE = /(^|\/)(node_modules|dist|build|coverage|out|\.git)\//;
const SCRIPT = /\.[cm]?[jt]sx?$/;

export const isTestFile = (path: string): boolean => TEST_FILE.test(path) && !OUTSIDE.test(path);
export const isSourceFile = (path: string): boolean =>
  SCRIPT.test(path) && !OUTSIDE.test(path) && !isTestFile(path);

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The framework the test script and dev dependencies name; the test files' own imports decide a tie. */
export function frameworkOf(
  pkg: Record<string, unknown> | undefined,
  sampleTests: string[],
): Framework | undefined {
  const scripts = (pkg?.scripts ?? {}) as Record<string, string>;
  const test = String(scripts.test ?? '');
  const deps = { ...(pkg?.dependencies ?? {}), ...(pkg?.devDependencies ?? {}) } as Record<string, unknown>;
  if (/\bvitest\b/.test(test)) return 'vitest';
  if (/\bjest\b/.test(test)) return 'jest';
  if (/\bmocha\b/.test(test)) return 'mocha';
  if (/\bnode\b.*--test\b/.test(test)) return 'node:test';
  if (sampleTests.some((t) => /from ['"]vitest['"]/.test(t)) || 'vitest' in deps) return 'vitest';
  if (sampleTests.some((t) => /from ['"]node:test['"]/.test(t))) return 'node:test';
  if ('jest' in deps) return 'jest';
  if ('mocha' in deps) return 'mocha';
  return undefined;
}

/** Quote, semicolon and indentation habits of the given texts, by majority. */
export function formattingOf(texts: string[]): Pick<TestStyle, 'quote' | 'semicolons' | 'indent'> {
  let single = 0;
  let double = 0;
  let semi = 0;
  let bare = 0;
  // The unit is the smallest indentation in use: nested lines of a two-space file are indented by four.
  let tabs = 0;
  let two = 0;
  let four = 0;
  for (const text of texts)
    for (const line of text.split('\n')) {
      const t = line.trim();
      if (/^import\b.*\bfrom\s+'/.test(t)) single++;
      else if (/^import\b.*\bfrom\s+"/.test(t)) double++;
      if (/^(import|const|let|var|return)\b/.test(t)) {
        if (t.endsWith(';')) semi++;
        else if (!/[,{([]$/.test(t)) bare++;
      }
      const lead = /^( +|\t+)\S/.exec(line)?.[1];
      if (lead === '\t') tabs++;
      else if (lead?.length === 2) two++;
      else if (lead?.length === 4) four++;
    }
  const indent = tabs > two + four ? '\t' : two > 0 || four === 0 ? '  ' : '    ';
  return { quote: double > single ? '"' : "'", semicolons: semi >= bare, indent };
}

/** Reads the style of the repository; undefined when it has no test framework or no test files to imitate. */
export async function detectStyle(repo: RepoView): Promise<TestStyle | { skippedReason: string }> {
  const testFiles = [...repo.files].filter(isTestFile).sort();
  if (testFiles.length === 0)
    return { skippedReason: 'the repository has no test files whose style a test could follow' };
  const sample: string[] = [];
  for (const f of testFiles.slice(0, 8)) {
    const t = await repo.read(f);
    if (t !== undefined) sample.push(t);
  }
  const framework = frameworkOf(parseJson(await repo.read('package.json')), sample);
  if (!framework)
    return {
      skippedReason: 'no test framework found (package.json test script, dev dependencies, test imports)',
    };
  return { framework, testFiles, ...formattingOf(sample) };
}

/**
 * A string as a literal in the repository's quote style. The text goes through JSON.stringify first, so every
 * control character, backslash and line break is escaped; only the quote character is then swapped. This is the
 * only way text from telemetry or the repository's strings enters generated code.
 */
export function stringLiteral(text: string, quote: "'" | '"' = "'"): string {
  const json = JSON.stringify(text);
  // Like Prettier: the other quote when the preferred one would need more escapes.
  const singles = (text.match(/'/g) ?? []).length;
  const doubles = (text.match(/"/g) ?? []).length;
  if (quote === '"' ? doubles <= singles : singles > doubles) return json;
  // In JSON every `"` inside the string is escaped as `\"`, so this swap cannot meet a lone quote.
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A JSON-like primitive as a literal (numbers that JSON cannot hold are refused by the callers). */
export function valueLiteral(
  v: string | number | boolean | null | undefined,
  quote: "'" | '"' = "'",
): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return stringLiteral(v, quote);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`not a literal number: ${String(v)}`);
  return JSON.stringify(v);
}

/**
 * The specifier a test file uses for a source file: the way the existing tests write it when one of them
 * imports that file, else the relative path with the extension convention the tests use (`.js` for sources
 * compiled next to compiled tests under NodeNext, none for bundler resolution).
 */
export function specifierFor(
  fromTest: string,
  target: string,
  convention: { extension: 'js' | 'same' | 'none' },
): string {
  let rel = posix.relative(posix.dirname(fromTest), target);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const stem = rel.replace(/\.[cm]?[jt]sx?$/, '');
  if (convention.extension === 'none') return stem;
  if (convention.extension === 'same') return rel;
  const ext = /\.(m|c)?[jt]sx?$/.exec(rel);
  return `${stem}.${ext?.[1] ?? ''}js`;
}

/** Resolves a relative import specifier of `from` to a repository file, trying the usual TypeScript mappings. */
export function resolveSpecifier(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(from), spec));
  if (joined.startsWith('..')) return undefined;
  const stem = joined.replace(/\.[cm]?js$/, '');
  const tries = [
    joined,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.js`,
    `${stem}/index.ts`,
    `${stem}/index.js`,
  ];
  return tries.find((t) => files.has(t));
}
