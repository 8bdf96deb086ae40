import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sampleApp } from '@self-healing/sample-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJUnitReport, testRunnerOptions, type TestCaseResult } from '../testing/index.js';
import { changedLineCoverage, changedLines, codeLines, coverageFromV8, isSourceFile, summarize } from './index.js';
import type { FileCoverage } from './types.js';

const run = promisify(execFile);

// The sample application built into a temporary copy (its own dist is left alone), its suite run once through
// `npm test` with V8 coverage and the junit reporter, as the validation stage runs it.
let work: string;
let app: string;
let coverageDir: string;
let coverage: FileCoverage[];
let report: TestCaseResult[] | null;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'validation-coverage-'));
  app = path.join(work, 'app');
  coverageDir = path.join(work, 'v8');
  await mkdir(app);
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'test', 'bench']) {
    await cp(path.join(sampleApp.dir, entry), path.join(app, entry), { recursive: true });
  }
  // Its own install: a fresh clone has no node_modules in the sample application.
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  await run('npm', ['run', 'build'], { cwd: app });

  const scripts = (JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const reportFile = path.join(work, 'junit.xml');
  const options = testRunnerOptions(['npm', 'test'], reportFile, scripts);
  if (!options) throw new Error('the sample app should be recognised as a node:test suite');
  await run('npm', ['test'], {
    cwd: app,
    env: { ...process.env, ...options.env, NODE_V8_COVERAGE: coverageDir },
    maxBuffer: 16 * 1024 * 1024,
  });
  report = await readJUnitReport(reportFile);
  coverage = await coverageFromV8(coverageDir, app, isSourceFile);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const fileOf = (file: string): FileCoverage => {
  const found = coverage.find((f) => f.file === file);
  if (!found) throw new Error(`no coverage of ${file}`);
  return found;
};

describe('the sample application under its own suite', () => {
  it('given npm test with the junit reporter from NODE_OPTIONS, when it ran, then every test is reported passed', () => {
    expect(report?.length).toBe(45);
    expect(report?.every((t) => t.status === 'passed')).toBe(true);
    expect(report?.map((t) => t.id)).toContain('quote > keeps a coupon valid through its last day');
  });

  it('given V8 coverage of dist/, when mapped through the source maps, then the source files of src/ only', () => {
    const files = coverage.map((f) => f.file);
    expect(files).toContain('src/cart/validate.ts');
    expect(files.every((f) => f.startsWith('src/') && f.endsWith('.ts'))).toBe(true);
    const whole = summarize(coverage);
    expect(whole.lines).toBeGreaterThan(0.9);
    expect(whole.lines).toBeLessThan(1);
    expect(whole.branches).toBeGreaterThan(0.7);
    expect(whole.totalBranches).toBeGreaterThan(100);
  });

  it('given validateCart, when its lines are read, then the throws no test reaches are at 0 and the rest ran', () => {
    const v = fileOf('src/cart/validate.ts');
    // 30: the empty-cart check runs on every call; 32: "too many lines" is never thrown by the suite.
    expect(v.lines.get(30)).toBeGreaterThan(0);
    expect(v.lines.get(32)).toBe(0);
    expect(v.lines.get(44)).toBe(0);
    // Comments, interfaces and type-only imports are not executable lines.
    for (const line of [1, 4, 6, 7, 17, 22, 23]) expect(v.lines.has(line)).toBe(false);
    expect(v.branches.find((b) => b.line === 31)).toEqual({ line: 31, taken: 0, total: 1 });
    expect(v.branches.find((b) => b.line === 30)?.taken).toBeGreaterThan(0);
    // The file's executable lines agree with the static estimate used for files no test loads, bar multi-line
    // parameter lists (mapped by tsc, not counted statically).
    expect(codeLines(readFileSyncText(v.file), v.file)).toEqual(expect.arrayContaining([...v.lines.keys()].filter((l) => l !== 27 && l !== 28)));
  });

  it('given a patch on validateCart, when its changed lines are measured, then the unrun throw is named and the comment ignored', async () => {
    const diff = [
      'diff --git a/src/cart/validate.ts b/src/cart/validate.ts',
      '--- a/src/cart/validate.ts',
      '+++ b/src/cart/validate.ts',
      '@@ -21,13 +21,13 @@',
      ' ',
      '-/**',
      '+/** (reworded)',
      '  * Checks a cart against the catalogue: every SKU must exist, quantities must be within limits, and discontinued',
      '  * products are dropped (the customer is told) rather than failing the whole checkout.',
      '  */',
      ' export function validateCart(',
      '   lines: readonly CartLine[],',
      '   products: ReadonlyMap<string, Product>,',
      ' ): ValidatedCart {',
      "-  if (lines.length === 0) throw badRequest('empty_cart', 'the cart is empty');",
      "+  if (lines.length === 0) throw badRequest('empty_cart', 'the cart is empty!');",
      '   if (lines.length > config.maxLinesPerCart) {',
      "-    throw badRequest('too_many_lines', `a cart holds at most ${config.maxLinesPerCart} lines`);",
      "+    throw badRequest('too_many_lines', `at most ${config.maxLinesPerCart} lines`);",
      '   }',
      '',
    ].join('\n');
    const changed = changedLines(diff);
    expect(Object.fromEntries(changed)).toEqual({ 'src/cart/validate.ts': [22, 30, 32] });
    const result = changedLineCoverage(changed, coverage, { isSource: isSourceFile });
    expect(result).toMatchObject({
      changedLines: 2,
      covered: 1,
      uncovered: [{ file: 'src/cart/validate.ts', lines: [32] }],
      unloadedFiles: [],
    });
    expect(result.branches.total).toBeGreaterThanOrEqual(1);
  });

  it('given the whole build as all scripts, when measured, then files no test loads count at 0', async () => {
    const all = await coverageFromV8(coverageDir, app, isSourceFile, { allScripts: ['dist/src/main.js'] });
    const main = all.find((f) => f.file === 'src/main.ts');
    expect(main?.lines.size).toBeGreaterThan(3);
    expect([...main!.lines.values()].every((c) => c === 0)).toBe(true);
    expect(summarize(all).lines).toBeLessThan(summarize(coverage).lines);
  });

  it('given coverage naming files outside the root, when read, then they are ignored', async () => {
    const hostileDir = path.join(work, 'v8-hostile');
    await cp(coverageDir, hostileDir, { recursive: true });
    // A script inside the root whose map sends its sources out of it, one through a symlink, and a url outside.
    await writeFile(path.join(app, 'dist/src/evil.js'), 'export const x = 1;\n//# sourceMappingURL=evil.js.map\n');
    await writeFile(
      path.join(app, 'dist/src/evil.js.map'),
      JSON.stringify({ version: 3, sources: ['../../../../../../../etc/hostname', '../../src/link.ts'], names: [], mappings: 'AAAA;ACAA' }),
    );
    await symlink('/etc/hostname', path.join(app, 'src/link.ts'));
    const script = (url: string) => ({
      url,
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: 40, count: 1 }] }],
    });
    await writeFile(
      path.join(hostileDir, 'coverage-1-2-3.json'),
      JSON.stringify({ result: [script('file:///etc/passwd'), script(`file://${app}/dist/src/evil.js`), script('node:fs')] }),
    );
    await symlink('/etc/passwd', path.join(hostileDir, 'coverage-9-9-9.json'));
    const read = await coverageFromV8(hostileDir, app, () => true);
    const files = read.map((f) => f.file);
    expect(files.filter((f) => !f.startsWith('src/') && !f.startsWith('test/'))).toEqual([]);
    expect(files).not.toContain('src/link.ts');
    expect(files).toContain('src/cart/validate.ts');
  });
});

const readFileSyncText = (file: string): string => readFileSync(path.join(app, file), 'utf8');
