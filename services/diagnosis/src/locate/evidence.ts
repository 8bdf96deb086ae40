/**
 * What a failing CI run gives a self-healing system: per test its outcome, its error and stack when it failed, and
 * the lines it executed (repository-relative path -> line numbers).
 */
export interface TestRun {
  readonly id: string;
  readonly failed: boolean;
  readonly error?: string;
  readonly stack?: string;
  readonly coverage: Readonly<Record<string, readonly number[]>>;
}

/** A line of a repository file: `path` relative to the repository root, '/'-separated. */
export interface LineRef {
  readonly path: string;
  readonly line: number;
}

export const lineKey = (path: string, line: number): string => `${path}:${line}`;
