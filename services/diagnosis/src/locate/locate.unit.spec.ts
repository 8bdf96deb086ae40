import { describe, expect, it } from 'vitest';
import { changedLines } from './diff.js';
import { mergeRuns } from './evidence.js';
import type { TestRun } from './evidence.js';
import {
  errorMessageText,
  isPredicateLine,
  isTrivialLine,
  lineFeatures,
  localize,
  nearestNeighbourDifference,
  ownTestCode,
  rankFeatures,
  rankFiles,
} from './localize.js';
import { confinePath } from './paths.js';
import { bestRank, tiedRank } from './rank.js';
import { dstar, ochiai } from './spectrum.js';
import { parseStack } from './stack.js';
import { isProgramFile } from './tests-filter.js';

const ROOT = '/repo/app';

describe('spectrum formulas', () => {
  it('ochiai: executed by every failing test and no passing one scores 1, by none 0', () => {
    expect(ochiai({ ef: 2, ep: 0, nf: 0, np: 5 })).toBe(1);
    expect(ochiai({ ef: 0, ep: 3, nf: 2, np: 2 })).toBe(0);
    expect(ochiai({ ef: 1, ep: 3, nf: 1, np: 2 })).toBeCloseTo(1 / Math.sqrt(2 * 4));
  });
  it('dstar: the perfect element stays finite and above the others', () => {
    const perfect = dstar({ ef: 2, ep: 0, nf: 0, np: 5 });
    expect(Number.isFinite(perfect)).toBe(true);
    expect(perfect).toBeGreaterThan(dstar({ ef: 2, ep: 1, nf: 0, np: 4 }));
  });
});

describe('confinePath', () => {
  it('keeps repository paths, relative or absolute inside the root', () => {
    expect(confinePath('/repo/app/lib/a.js', ROOT)).toBe('lib/a.js');
    expect(confinePath('lib/./b.js', ROOT)).toBe('lib/b.js');
    expect(confinePath('file:///repo/app/lib/c.js', ROOT)).toBe('lib/c.js');
  });
  it('refuses anything outside', () => {
    expect(confinePath('../../etc/passwd', ROOT)).toBeNull();
    expect(confinePath('lib/../../x.js', ROOT)).toBeNull();
    expect(confinePath('/etc/passwd', ROOT)).toBeNull();
    expect(confinePath('/repo/app/../other/x.js', ROOT)).toBeNull();
    expect(confinePath('/repo/apple/x.js', ROOT)).toBeNull();
    expect(confinePath('file:///etc/passwd', ROOT)).toBeNull();
    expect(confinePath('http://x/y.js', ROOT)).toBeNull();
    expect(confinePath('lib/a\0.js', ROOT)).toBeNull();
  });
});

describe('parseStack', () => {
  it('keeps frames in the repository, drops node internals, counts refused frames', () => {
    const stack = [
      'Error: boom',
      '    at parse (/repo/app/lib/parse.js:10:5)',
      '    at /repo/app/lib/index.js:3:1',
      '    at Object.<anonymous> (../../etc/passwd:1:1)',
      '    at read (/etc/shadow:2:2)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:81:21)',
    ].join('\n');
    const report = parseStack(stack, ROOT);
    expect(report.frames).toEqual([
      { path: 'lib/parse.js', line: 10, column: 5, depth: 0 },
      { path: 'lib/index.js', line: 3, column: 1, depth: 1 },
    ]);
    expect(report.refused).toBe(2);
  });
});

describe('changedLines', () => {
  it('takes replaced lines and both neighbours of a pure insertion', () => {
    const diff = [
      'diff --git a/lib/a.js b/lib/a.js',
      '--- a/lib/a.js',
      '+++ b/lib/a.js',
      '@@ -10,2 +10,3 @@ function f() {',
      '-x',
      '-y',
      '+x2',
      '@@ -20,0 +22 @@',
      '+inserted',
      '@@ -30 +33 @@',
      '-z',
      '+z2',
    ].join('\n');
    expect(changedLines(diff)).toEqual([
      { path: 'lib/a.js', line: 10 },
      { path: 'lib/a.js', line: 11 },
      { path: 'lib/a.js', line: 20 },
      { path: 'lib/a.js', line: 21 },
      { path: 'lib/a.js', line: 30 },
    ]);
  });
});

describe('ranks', () => {
  it('averages ties', () => {
    expect(tiedRank(5, [9, 5, 5, 5, 1])).toBe(3);
    expect(bestRank(['a', 'b'], (t) => (t === 'a' ? 1 : undefined), [3, 1])).toBe(2);
    expect(bestRank(['a'], () => undefined, [3])).toBe(Infinity);
  });
});

describe('isProgramFile', () => {
  it('excludes tests and dependencies', () => {
    expect(isProgramFile('lib/router.js')).toBe(true);
    expect(isProgramFile('test/router.js')).toBe(false);
    expect(isProgramFile('src/a.spec.ts')).toBe(false);
    expect(isProgramFile('node_modules/x/index.js')).toBe(false);
    expect(isProgramFile('examples/auth/app.js')).toBe(false);
  });
});

describe('localize', () => {
  // lib/a.js:2 is the fault: executed by both failing tests and one passing test; lib/a.js:1 by everyone.
  const tests: TestRun[] = [
    { id: 'f1', failed: true, coverage: { 'lib/a.js': [1, 2], 'lib/b.js': [1], 'test/t.js': [1] } },
    { id: 'f2', failed: true, coverage: { 'lib/a.js': [1, 2], 'lib/b.js': [1, 2], 'test/t.js': [1] } },
    { id: 'p1', failed: false, coverage: { 'lib/a.js': [1], 'lib/b.js': [1, 2], 'test/t.js': [1] } },
    { id: 'p2', failed: false, coverage: { 'lib/a.js': [1, 2, 3], 'test/t.js': [1] } },
  ];

  it('ranks the line executed by the failing tests first and never suspects test files', () => {
    const result = localize(tests, { repoRoot: ROOT });
    expect(result.lines[0]).toMatchObject({
      path: 'lib/a.js',
      line: 2,
      spectrum: { ef: 2, ep: 1, nf: 0, np: 1 },
    });
    expect(result.lines.some((l) => l.path.startsWith('test/'))).toBe(false);
    expect(result.files[0]?.path).toBe('lib/a.js');
    expect(result.failingTests).toBe(2);
    expect(result.passingTests).toBe(2);
  });

  it('breaks a spectrum tie with the failing tests stack frames, refusing frames outside the repository', () => {
    const tied: TestRun[] = [
      {
        id: 'f',
        failed: true,
        stack: 'Error\n    at g (/repo/app/lib/b.js:7:3)\n    at h (/etc/passwd:1:1)',
        coverage: { 'lib/a.js': [5], 'lib/b.js': [7] },
      },
      { id: 'p', failed: false, coverage: { 'lib/c.js': [1] } },
    ];
    const plain = localize(tied, { repoRoot: ROOT });
    expect(plain.lines[0]?.score).toBe(plain.lines[1]?.score);
    const withFrames = localize(tied, { repoRoot: ROOT, frameWeight: 0.5 });
    expect(withFrames.lines[0]).toMatchObject({ path: 'lib/b.js', line: 7 });
    expect(withFrames.refusedFrames).toBe(1);
  });

  it('breaks a line tie with the score of the enclosing block', () => {
    // lines 10 and 20 have identical spectra; line 11 (same block as 10) is executed by a passing test only in
    // p2, line 21 by all passing tests: the block of 10 is less covered by passing tests, so 10 wins.
    const blocks: TestRun[] = [
      { id: 'f', failed: true, coverage: { 'lib/a.js': [10, 20] } },
      { id: 'p1', failed: false, coverage: { 'lib/a.js': [21] } },
      { id: 'p2', failed: false, coverage: { 'lib/a.js': [11, 21] } },
      { id: 'p3', failed: false, coverage: { 'lib/a.js': [21] } },
    ];
    const result = localize(blocks, { repoRoot: ROOT, blockWeight: 0.01 });
    expect(result.lines[0]).toMatchObject({ path: 'lib/a.js', line: 10 });
    expect(result.lines[0]!.score).toBeGreaterThan(result.lines[1]!.score);
  });
});

describe('localize: evidence beyond the spectrum', () => {
  const SOURCE: Record<string, string> = {
    'lib/a.js': [
      'exports.pick = function(list) {', // 1
      '  // the first is the default', // 2
      '  var first = list[0];', // 3
      '  if (first === undefined) {', // 4
      '    return null;', // 5
      '  }', // 6
      '  return first;', // 7
      '};', // 8
    ].join('\n'),
  };
  const source = (path: string) => SOURCE[path];

  it('all but drops lines without a statement and prefers predicates, only when asked to', () => {
    const tests: TestRun[] = [
      { id: 'f', failed: true, coverage: { 'lib/a.js': [2, 3, 4, 6] } },
      { id: 'p', failed: false, coverage: { 'lib/b.js': [1] } },
    ];
    const plain = localize(tests, { repoRoot: ROOT, source });
    const inA = (r: typeof plain) => r.lines.filter((l) => l.path === 'lib/a.js');
    expect(new Set(inA(plain).map((l) => l.score)).size).toBe(1);
    const typed = localize(tests, { repoRoot: ROOT, source, statementPenalty: 0.9, predicateBonus: 0.1 });
    expect(inA(typed).map((l) => l.line)).toEqual([4, 3, 2, 6]);
  });

  it('spreads a frame over the lines above it in its definition, the nearest most', () => {
    const tests: TestRun[] = [
      {
        id: 'f',
        failed: true,
        stack:
          'TypeError: x\n    at exports.pick (/repo/app/lib/a.js:7:3)\n    at Context (/repo/app/test/a.js:1:1)',
        coverage: { 'lib/a.js': [1, 3, 4, 7] },
      },
      { id: 'p', failed: false, coverage: { 'lib/a.js': [1, 3, 4, 7] } },
    ];
    const features = lineFeatures(tests, { repoRoot: ROOT, source });
    const at = (line: number) => features.lines.find((l) => l.line === line)!;
    expect(at(7).frame).toBe(1);
    expect(at(4).frameRegion).toBeGreaterThan(at(3).frameRegion);
    expect(at(3).frameRegion).toBeGreaterThan(0);
    const ranked = rankFeatures(features, { frameWeight: 0.5, frameRegionShare: 0.3 });
    expect(ranked.lines.map((l) => l.line)).toEqual([7, 4, 3, 1]);
    // the weights alone decide: the same features ranked as localize ranks them
    expect(ranked.lines).toEqual(
      localize(tests, { repoRoot: ROOT, source, frameWeight: 0.5, frameRegionShare: 0.3 }).lines,
    );
  });

  it('ranks methods by their own spectrum: a tie between lines of two definitions goes to the rarer one', () => {
    const two: Record<string, string> = {
      'lib/c.js': ['function a() {', '  x();', '  y();', '}', 'function b() {', '  z();', '  w();', '}'].join(
        '\n',
      ),
    };
    const tests: TestRun[] = [
      { id: 'f', failed: true, coverage: { 'lib/c.js': [2, 6] } },
      { id: 'p1', failed: false, coverage: { 'lib/c.js': [3] } },
      { id: 'p2', failed: false, coverage: { 'lib/c.js': [3] } },
      { id: 'p3', failed: false, coverage: { 'lib/c.js': [7] } },
    ];
    const result = localize(tests, { repoRoot: ROOT, source: (p) => two[p], methodWeight: 0.1 });
    expect(result.lines[0]).toMatchObject({ line: 6 });
    expect(result.lines[0]!.score).toBeGreaterThan(result.lines[1]!.score);
  });
});

describe('statement kinds', () => {
  it('tells lines without a statement', () => {
    for (const t of ['', '  }', '});', '  // why', ' * doc', '/* c */', '# note'])
      expect(isTrivialLine(t)).toBe(true);
    for (const t of ['} else {', 'else', '} finally {', 'try {', 'do {']) expect(isTrivialLine(t)).toBe(true);
    for (const t of [
      'x = 1;',
      '} else if (a) {',
      'else return b;',
      '} catch (err) {',
      'return;',
      '#private = 1',
    ])
      expect(isTrivialLine(t)).toBe(false);
  });
  it('tells predicates, ignoring operators inside strings and comments', () => {
    for (const t of [
      'if (a) {',
      'while (x)',
      'return a === b;',
      'var c = a ? b : d;',
      'ok = a && b',
      'x = y or z',
    ])
      expect(isPredicateLine(t)).toBe(true);
    for (const t of ['var a = b;', "log('a < b && c')", 'f(x); // if so'])
      expect(isPredicateLine(t)).toBe(false);
  });
});

describe('ownTestCode', () => {
  it('reads the test-file lines only the failing test executed, without string contents', () => {
    const files: Record<string, string[]> = {
      'test/a.js': ['var app = make();', "it('x', () => {", "  app.route('/p').pick(list);", '});'],
      'lib/a.js': ['exports.pick = 1;'],
    };
    const tests: TestRun[] = [
      { id: 'f', failed: true, coverage: { 'test/a.js': [1, 3, 4], 'lib/a.js': [1] } },
      { id: 'p', failed: false, coverage: { 'test/a.js': [1] } },
    ];
    const code = ownTestCode(tests[0]!, tests, (p) => files[p] ?? null);
    expect(code).toContain('app.route(');
    expect(code).toContain('.pick(list)');
    expect(code).not.toContain('/p');
    expect(code).not.toContain('make'); // a passing test ran it too
    expect(code).not.toContain('exports'); // program code is the suspect, not the query
  });
});

describe('errorMessageText', () => {
  it('keeps the words of a failure and drops the stack it quotes', () => {
    const text = errorMessageText(
      "expected 'hey', got 'TypeError: this.engine is not a function<br> &nbsp; &nbsp;at View.render (/app/lib/view.js:76:8)",
    );
    expect(text).toContain('this.engine is not a function');
    expect(text).not.toContain('view.js');
    expect(text).not.toContain('render');
  });
});

describe('rankFiles', () => {
  const line = (path: string, score: number) => ({
    path,
    line: 1,
    score,
    spectrum: { ef: 1, ep: 0, nf: 0, np: 0 },
  });
  const lines = [
    line('helper.js', 0.74),
    line('fault.js', 0.66),
    line('fault.js', 0.61),
    line('fault.js', 0.56),
  ];

  it('ranks files by their best line alone without breadth', () => {
    expect(rankFiles(lines, 0).map((f) => f.path)).toEqual(['helper.js', 'fault.js']);
  });

  it('prefers a file with several suspicious lines to one with a single slightly better line', () => {
    const files = rankFiles([...lines, line('fault.js', 0.5)], 0.1);
    expect(files.map((f) => f.path)).toEqual(['fault.js', 'helper.js']);
    expect(files[0]!.score).toBeCloseTo(0.66 + 0.1 * (0.61 + 0.56));
    expect(files[1]!.score).toBeCloseTo(0.74);
  });
});

describe('mergeRuns', () => {
  it('makes one test of several records of the same id: failed if any failed, coverage united', () => {
    const merged = mergeRuns([
      { id: 't', failed: false, coverage: { 'a.js': [1, 2] } },
      { id: 't', failed: true, error: 'write after end', coverage: { 'a.js': [3], 'b.js': [1] } },
      { id: 'u', failed: false, coverage: {} },
    ]);
    expect(merged).toEqual([
      { id: 't', failed: true, error: 'write after end', coverage: { 'a.js': [1, 2, 3], 'b.js': [1] } },
      { id: 'u', failed: false, coverage: {} },
    ]);
  });
});

describe('nearestNeighbourDifference', () => {
  it('marks the lines a failing test ran and its most alike passing test did not', () => {
    const share = nearestNeighbourDifference([
      { id: 'f', failed: true, coverage: { 'lib/a.js': [1, 2, 3, 9] } },
      { id: 'near', failed: false, coverage: { 'lib/a.js': [1, 2, 3] } },
      { id: 'far', failed: false, coverage: { 'lib/a.js': [7, 8, 9] } },
    ]);
    expect([...share]).toEqual([['lib/a.js:9', 1]]);
  });
});
