import { describe, expect, it } from 'vitest';
import { confined, isTestPath, patchIdOf, patchPaths, rewrittenTests, specialFiles } from './patch.js';

const diff = (a: string, b: string) =>
  [
    `diff --git a/${a} b/${b}`,
    'index 1111111..2222222 100644',
    `--- a/${a}`,
    `+++ b/${b}`,
    '@@ -1 +1 @@',
    '-x',
    '+y',
    '',
  ].join('\n');

describe('patch paths', () => {
  it('given a diff inside the repository, then every path is inside and none is refused', () => {
    const p = patchPaths(diff('src/a.ts', 'src/a.ts') + diff('test/a.test.ts', 'test/a.test.ts'));
    expect(p.paths.sort()).toEqual(['src/a.ts', 'test/a.test.ts']);
    expect(p.outside).toEqual([]);
  });

  it('given a diff that climbs out of the repository or into .git, then those paths are named', () => {
    expect(patchPaths(diff('../etc/passwd', '../etc/passwd')).outside).toEqual(['../etc/passwd']);
    expect(patchPaths(diff('.git/hooks/post-checkout', '.git/hooks/post-checkout')).outside).toEqual([
      '.git/hooks/post-checkout',
    ]);
    expect(patchPaths('--- /dev/null\n+++ b/src/x/../../../../tmp/evil\n').outside).toEqual([
      'src/x/../../../../tmp/evil',
    ]);
  });

  it('given a new file, then /dev/null is not a path', () => {
    expect(
      patchPaths('diff --git a/n.ts b/n.ts\nnew file mode 100644\n--- /dev/null\n+++ b/n.ts\n').paths,
    ).toEqual(['n.ts']);
  });
});

describe('confined, test paths and patch ids', () => {
  it('refuses absolute paths, parents, backslashes and NUL', () => {
    for (const p of ['/etc/passwd', 'a/../../b', 'a\\b', 'a\0b', '', '.git/config', '.git'])
      expect(confined(p)).toBeNull();
    expect(confined('src/./a.ts')).toBe('src/a.ts');
  });

  it('knows test files by folder and by suffix', () => {
    expect(isTestPath('test/cart.test.ts')).toBe(true);
    expect(isTestPath('src/cart/cart.spec.ts')).toBe(true);
    expect(isTestPath('src/cart/cart.ts')).toBe(false);
  });

  it('gives the id fix.generate gives: the hash of base and diff', () => {
    expect(patchIdOf('a'.repeat(40), 'd')).toMatch(/^pt-[0-9a-f]{16}$/);
    expect(patchIdOf('a'.repeat(40), 'd')).not.toBe(patchIdOf('a'.repeat(40), 'e'));
  });
});

describe('what a patch does to special files and old tests', () => {
  it('names files it turns into symlinks or submodules', () => {
    const link =
      'diff --git a/package-lock.json b/package-lock.json\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/package-lock.json\n@@ -0,0 +1 @@\n+/proc/self/environ\n';
    expect(specialFiles(link)).toEqual(['package-lock.json']);
    expect(specialFiles(diff('src/a.ts', 'src/a.ts'))).toEqual([]);
  });

  it('names existing test files that lose lines, not those that only gain tests or are new', () => {
    const added =
      'diff --git a/test/a.test.ts b/test/a.test.ts\nindex 1..2 100644\n--- a/test/a.test.ts\n+++ b/test/a.test.ts\n@@ -1,1 +1,2 @@\n x\n+it(1)\n';
    const rewritten =
      'diff --git a/test/b.test.ts b/test/b.test.ts\nindex 1..2 100644\n--- a/test/b.test.ts\n+++ b/test/b.test.ts\n@@ -1,1 +1,1 @@\n-expect(1)\n+expect(2)\n';
    const fresh =
      'diff --git a/test/c.test.ts b/test/c.test.ts\nnew file mode 100644\n--- /dev/null\n+++ b/test/c.test.ts\n@@ -0,0 +1 @@\n+it(1)\n';
    expect(rewrittenTests(added + rewritten + fresh + diff('src/a.ts', 'src/a.ts'))).toEqual([
      'test/b.test.ts',
    ]);
  });
});
