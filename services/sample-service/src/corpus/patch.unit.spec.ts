import { describe, expect, it } from 'vitest';
import { parseDiff, parsePatch } from './patch.js';

const PATCH = `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: =?UTF-8?q?Tom=C3=A1s=20Ruiz?= <tomas.ruiz@shopwise.dev>
Date: Tue, 18 Nov 2025 13:27:00 +0100
Subject: [PATCH 08/11] Cache the product listing: every storefront page reads
 it

Body text.
---
 src/a.ts | 3 ++-
 1 file changed, 2 insertions(+), 1 deletion(-)

diff --git a/src/a.ts b/src/a.ts
index cf07dc6..8741688 100644
--- a/src/a.ts
+++ b/src/a.ts
@@ -1,3 +1,4 @@
+import { config } from './config.js';
 const a = 1;
-const b = 2;
+const b = 3;
 const c = 4;
@@ -10,2 +11,2 @@ function f() {
 keep();
-gone();
diff --git a/src/new.ts b/src/new.ts
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/src/new.ts
@@ -0,0 +1,2 @@
+export const x = 1;
+export const y = 2;
diff --git a/test/old.test.ts b/test/old.test.ts
deleted file mode 100644
index 2222222..0000000
--- a/test/old.test.ts
+++ /dev/null
@@ -1 +0,0 @@
-it('x');
`;

describe('parsePatch', () => {
  it('reads the author with encoded words, the date and the unfolded subject without its [PATCH] tag', () => {
    const info = parsePatch(PATCH);
    expect(info.author).toEqual({ name: 'Tomás Ruiz', email: 'tomas.ruiz@shopwise.dev' });
    expect(info.date).toBe('Tue, 18 Nov 2025 13:27:00 +0100');
    expect(info.subject).toBe('Cache the product listing: every storefront page reads it');
  });

  it('numbers added lines on the new side of each hunk', () => {
    const [a, created, deleted] = parsePatch(PATCH).files;
    expect(a).toMatchObject({
      path: 'src/a.ts',
      addedLines: [1, 3],
      removedText: ['const b = 2;', 'gone();'],
    });
    expect(a!.addedText).toEqual(["import { config } from './config.js';", 'const b = 3;']);
    expect(created).toMatchObject({ path: 'src/new.ts', oldPath: '/dev/null', addedLines: [1, 2] });
    expect(deleted).toMatchObject({ path: 'test/old.test.ts', deleted: true, addedLines: [] });
  });

  it('refuses text that is not a format-patch mail', () => {
    expect(() => parsePatch('diff --git a/x b/x\n', 'x.patch')).toThrow(
      /x.patch: not a git format-patch mail/,
    );
    expect(() => parsePatch('From abc\nDate: now\n\nbody', 'y.patch')).toThrow(/no From header/);
  });

  it('reads a bare diff', () => {
    expect(parseDiff('diff --git a/q b/q\n--- a/q\n+++ b/q\n@@ -5 +5 @@\n-x\n+y\n')[0]!.addedLines).toEqual([
      5,
    ]);
  });
});
