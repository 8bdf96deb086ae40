import { describe, expect, it } from 'vitest';
import { diffStats, policyViolation } from './policy.js';

describe('patch policy', () => {
  const limits = { maxFiles: 3, maxChangedLines: 10 };
  it('refuses CI, lockfile and manifest changes unless the remedy is a full revert', () => {
    expect(policyViolation(['src/a.ts', '.github/workflows/ci.yml'], 2, limits, false)).toMatch(/\.github/);
    expect(policyViolation(['package-lock.json'], 2, limits, false)).toMatch(/build or CI/);
    expect(policyViolation(['services/x/package.json'], 2, limits, true)).toBeNull();
    expect(policyViolation(['src/a.ts', 'test/a.test.ts'], 4, limits, false)).toBeNull();
  });
  it('caps files and lines, and an empty change is no patch', () => {
    expect(policyViolation(['a', 'b', 'c', 'd'], 1, limits, false)).toMatch(/4 files/);
    expect(policyViolation(['a'], 11, limits, false)).toMatch(/11 lines/);
    expect(policyViolation([], 0, limits, false)).toMatch(/nothing/);
  });
  it('counts lines of a unified diff, not its headers', () => {
    expect(diffStats('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n+c\n ctx\n')).toEqual({
      added: 2,
      removed: 1,
    });
  });
});
