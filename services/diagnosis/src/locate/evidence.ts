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

/**
 * One run per test: a runner may report a test twice (an asynchronous error thrown after the test ended is reported
 * against it again, a failing hook beside it). The records of one id are one test: failed if any record failed, its
 * first error and stack, the union of what they executed.
 */
export function mergeRuns(tests: readonly TestRun[]): TestRun[] {
  const byId = new Map<
    string,
    { failed: boolean; error?: string; stack?: string; coverage: Map<string, Set<number>> }
  >();
  for (const t of tests) {
    let m = byId.get(t.id);
    if (!m) byId.set(t.id, (m = { failed: false, coverage: new Map() }));
    if (t.failed) {
      m.failed = true;
      if (m.error === undefined && t.error !== undefined) m.error = t.error;
      if (m.stack === undefined && t.stack !== undefined) m.stack = t.stack;
    }
    for (const [path, lines] of Object.entries(t.coverage)) {
      let set = m.coverage.get(path);
      if (!set) m.coverage.set(path, (set = new Set()));
      for (const l of lines) set.add(l);
    }
  }
  return [...byId].map(([id, m]) => ({
    id,
    failed: m.failed,
    ...(m.error !== undefined ? { error: m.error } : {}),
    ...(m.stack !== undefined ? { stack: m.stack } : {}),
    coverage: Object.fromEntries([...m.coverage].map(([p, s]) => [p, [...s].sort((a, b) => a - b)])),
  }));
}
