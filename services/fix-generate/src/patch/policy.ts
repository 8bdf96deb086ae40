/**
 * What a generated patch may touch. A fix changes the service's code, its tests and its docs; it never changes how
 * the service is built or checked (CI configuration, lockfiles, the package manifest, git's own files) unless the
 * remedy is a revert of a commit that did, and it stays small enough for a person to review.
 */
export interface PatchLimits {
  maxFiles: number;
  maxChangedLines: number;
}

export const DEFAULT_LIMITS: PatchLimits = { maxFiles: 10, maxChangedLines: 300 };

const PROTECTED = [
  /^\.github\//,
  /^\.gitlab-ci\.ya?ml$/,
  /^\.circleci\//,
  /^Jenkinsfile$/,
  /^\.ci\//,
  /(^|\/)package-lock\.json$/,
  /(^|\/)yarn\.lock$/,
  /(^|\/)pnpm-lock\.yaml$/,
  /(^|\/)npm-shrinkwrap\.json$/,
  /(^|\/)package\.json$/,
  /(^|\/)\.npmrc$/,
  /^\.git(\/|$)|\/\.git\//,
];

export function isProtectedPath(path: string): boolean {
  return PROTECTED.some((p) => p.test(path));
}

/** Lines added and removed by a unified diff. */
export function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}

/** Why a candidate's files may not become a patch, or null when they may. */
export function policyViolation(
  files: readonly string[],
  changedLines: number,
  limits: PatchLimits,
  allowProtected: boolean,
): string | null {
  if (files.length === 0) return 'the candidate changes nothing';
  if (files.length > limits.maxFiles) return `changes ${files.length} files (at most ${limits.maxFiles})`;
  if (changedLines > limits.maxChangedLines)
    return `changes ${changedLines} lines (at most ${limits.maxChangedLines})`;
  const protectedFiles = files.filter(isProtectedPath);
  if (protectedFiles.length > 0 && !allowProtected)
    return `touches build or CI files (${protectedFiles.join(', ')}), which only a revert of a commit that changed them may do`;
  return null;
}
