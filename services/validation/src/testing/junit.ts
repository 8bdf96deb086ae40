import type { TestCaseResult, TestStatus } from './types.js';
import { DEFAULT_XML_LIMITS, xmlEvents, type XmlLimits } from './xml.js';

/** Messages are kept for people reading a verdict, not for replaying a stack: 2 KiB is plenty and bounds events. */
export const MAX_MESSAGE_CHARS = 2048;
/** Test cases read from one report at most; a suite with more is not one we can judge test by test anyway. */
export const MAX_TEST_CASES = 200_000;

export const ID_SEPARATOR = ' > ';

interface OpenCase {
  name: string;
  file: string | null;
  durationMs: number;
  status: TestStatus;
  message: string | null;
  /** Text inside <failure>/<error>, used when the element has no message attribute. */
  body: string;
  inFailure: boolean;
}

/**
 * The test cases of a JUnit XML report: node:test's junit reporter (describe blocks as nested <testsuite>, a test
 * with subtests as a <testsuite> of them), vitest's and jest-junit's (a `file` attribute when configured), and other
 * JUnit writers. The id is the path of enclosing suites and the test's name; a test failing to load shows as one
 * failed case named after its file, which is what node reports.
 */
export function parseJUnit(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): TestCaseResult[] {
  const results: TestCaseResult[] = [];
  const suites: Array<{ name: string; file: string | null }> = [];
  const seen = new Map<string, number>();
  let current: OpenCase | null = null;

  for (const event of xmlEvents(xml, limits)) {
    if (event.kind === 'text') {
      if (current?.inFailure && current.body.length < MAX_MESSAGE_CHARS) current.body += event.text;
      continue;
    }
    if (event.kind === 'close') {
      if (event.name === 'testsuite') suites.pop();
      else if (event.name === 'failure' || event.name === 'error') {
        if (current) current.inFailure = false;
      } else if (event.name === 'testcase' && current) {
        results.push(finish(current, suites, seen));
        current = null;
      }
      continue;
    }
    const { name, attributes, selfClosing } = event;
    if (name === 'testsuite') {
      if (!selfClosing) {
        suites.push({
          name: attributes.get('name') ?? '',
          file: attributes.get('file') ?? suites.at(-1)?.file ?? null,
        });
      }
    } else if (name === 'testcase') {
      if (current) results.push(finish(current, suites, seen)); // an unclosed case: keep what it said
      if (results.length >= MAX_TEST_CASES)
        throw new Error(`report has more than ${MAX_TEST_CASES} test cases`);
      current = {
        name: attributes.get('name') ?? '',
        file: attributes.get('file') ?? suites.at(-1)?.file ?? null,
        durationMs: durationOf(attributes.get('time')),
        status: 'passed',
        message: null,
        body: '',
        inFailure: false,
      };
      if (selfClosing) {
        results.push(finish(current, suites, seen));
        current = null;
      }
    } else if (current && (name === 'failure' || name === 'error')) {
      // A failure wins over a skip: a skipped test that still reports a failure did run and fail.
      current.status = 'failed';
      current.message ??= nonEmpty(attributes.get('message'));
      if (!selfClosing) current.inFailure = true;
    } else if (current && name === 'skipped' && current.status !== 'failed') {
      current.status = 'skipped';
      current.message = nonEmpty(attributes.get('message'));
    }
  }
  return results;
}

function finish(
  open: OpenCase,
  suites: ReadonlyArray<{ name: string }>,
  seen: Map<string, number>,
): TestCaseResult {
  const path = [...suites.map((s) => s.name).filter((n) => n !== ''), open.name].join(ID_SEPARATOR);
  const n = (seen.get(path) ?? 0) + 1;
  seen.set(path, n);
  const message = open.status === 'failed' ? (open.message ?? nonEmpty(open.body.trim())) : open.message;
  return {
    id: n === 1 ? path : `${path} #${n}`,
    name: open.name,
    file: open.file,
    status: open.status,
    durationMs: open.durationMs,
    message: message === null ? null : bounded(message),
  };
}

function durationOf(time: string | undefined): number {
  const seconds = Number(time);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1_000_000) / 1000 : 0;
}

const nonEmpty = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

// Colour codes from reporters that print for a terminal, and other control characters a report may carry.
const CONTROL = /\u001b\[[0-9;]*[A-Za-z]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function bounded(message: string): string {
  const clean = message.replace(CONTROL, '');
  return clean.length <= MAX_MESSAGE_CHARS ? clean : `${clean.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}
