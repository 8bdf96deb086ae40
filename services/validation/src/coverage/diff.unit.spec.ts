import { describe, expect, it } from 'vitest';
import { changedLines } from './diff.js';

const PATCH = `diff --git a/src/cart/validate.ts b/src/cart/validate.ts
index 1111111..2222222 100644
--- a/src/cart/validate.ts
+++ b/src/cart/validate.ts
@@ -29,4 +29,5 @@ export function validateCart(
 ): ValidatedCart {
-  if (lines.length === 0) throw badRequest('empty_cart', 'the cart is empty');
+  // An empty cart is the client's mistake.
+  if (lines.length === 0) throw badRequest('empty_cart', 'nothing in the cart');
   if (lines.length > config.maxLinesPerCart) {
@@ -55,2 +56,2 @@ export function validateCart(
-  if (priced.length === 0)
--- a removed line that looks like a header
+  if (priced.length < 1)
++++ an added line that looks like a header
diff --git a/src/old.ts b/src/old.ts
deleted file mode 100644
--- a/src/old.ts
+++ /dev/null
@@ -1,2 +0,0 @@
-export const a = 1;
-export const b = 2;
diff --git a/src/new.ts b/src/new.ts
new file mode 100644
--- /dev/null
+++ b/src/new.ts
@@ -0,0 +1,2 @@
+export const c = 3;
+export const d = 4;
\\ No newline at end of file
diff --git a/docs/a.md b/docs/a.md
--- a/docs/a.md
+++ b/docs/a.md
@@ -1 +1 @@
-old
+new
`;

describe('changedLines', () => {
  it('given a git diff, when read, then the added lines of each new file by new-side number', () => {
    expect(Object.fromEntries(changedLines(PATCH))).toEqual({
      'src/cart/validate.ts': [30, 31, 56, 57],
      'src/new.ts': [1, 2],
      'docs/a.md': [1],
    });
  });

  it('given paths that leave the repository, when read, then those files are skipped', () => {
    const hostile = ['../outside.ts', '/etc/passwd', 'src/../../x.ts', 'a\\\\b.ts']
      .map((p) => `diff --git a/${p} b/${p}\n--- a/${p}\n+++ ${p.startsWith('/') ? p : `b/${p}`}\n@@ -0,0 +1 @@\n+x\n`)
      .join('');
    expect(changedLines(hostile).size).toBe(0);
  });

  it('given git-quoted names and a trimmed empty context line, when read, then names are unquoted and counts hold', () => {
    const diff = `diff --git "a/src/caf\\303\\251 \\"x\\".ts" "b/src/caf\\303\\251 \\"x\\".ts"
--- "a/src/caf\\303\\251 \\"x\\".ts"
+++ "b/src/caf\\303\\251 \\"x\\".ts"
@@ -1,3 +1,4 @@
 one

+three
 four
`;
    expect(Object.fromEntries(changedLines(diff))).toEqual({ 'src/café "x".ts': [3] });
  });

  it('given a patch that only deletes lines, when read, then the file has no changed lines', () => {
    expect(changedLines('--- a/x.ts\n+++ b/x.ts\n@@ -1,2 +1,1 @@\n-gone\n kept\n').size).toBe(0);
  });
});
