export type TestStatus = 'passed' | 'failed' | 'skipped';

/** One test's outcome in one run of a suite, as its report gave it. */
export interface TestCaseResult {
  /** Suite path and name joined with ' > ' (a ' #2' suffix for the second test of the same path in a report). */
  id: string;
  name: string;
  /** The test file when the report names it (vitest, jest-junit); node:test's junit reporter does not. */
  file: string | null;
  status: TestStatus;
  durationMs: number;
  /** The failure's or skip's message, at most MAX_MESSAGE_CHARS. */
  message: string | null;
}
