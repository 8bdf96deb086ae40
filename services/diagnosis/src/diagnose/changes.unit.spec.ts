import { describe, expect, it } from 'vitest';
import { touches, touchesOf } from './changes.js';

const DIFF = `diff --git a/src/a.ts b/src/a.ts
--- a/src/a.ts
+++ b/src/a.ts
@@ -10,2 +10,3 @@ export function f() {
-  const x = 1;
-  return x;
+  const x = 2;
+  log(x);
+  return x;
@@ -30 +31,0 @@ function g() {
-  if (!ok) throw new Error('guard');
diff --git a/src/old.ts b/src/old.ts
deleted file mode 100644
--- a/src/old.ts
+++ /dev/null
@@ -1,2 +0,0 @@
-export const gone = 1;
-export const alsoGone = 2;
`;

describe('touchesOf', () => {
  it('given a rewrite, an insertion and a removed guard, then it marks the new lines and the lines around the deletion', () => {
    const t = touchesOf(DIFF);
    expect([...t.get('src/a.ts')!.lines]).toEqual([10, 11, 12]);
    expect([...t.get('src/a.ts')!.deletionAnchors]).toEqual([31, 32]);
    expect(t.has('src/old.ts')).toBe(false);
    expect(touches(t, 'src/a.ts', 11)).toBe('line');
    expect(touches(t, 'src/a.ts', 32)).toBe('beside');
    expect(touches(t, 'src/a.ts', 20)).toBeNull();
    expect(touches(t, 'src/b.ts', 11)).toBeNull();
  });
});
