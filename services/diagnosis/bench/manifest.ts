import { readFileSync } from 'node:fs';
import { NODE_VERSION } from './runtime.js';

/**
 * A benchmark manifest: per bug, where the code is and how to run its tests. Commands are argv arrays, run without a
 * shell (a manifest is input, never shell text).
 *
 * - coverage is taken at `testRef` (the buggy code plus the tests that reveal the bug);
 * - the fault-revealing tests, when not listed, are those failing at `testRef` and passing at `fullRef` (the fix plus
 *   its tests);
 * - the ground truth is the lines of the buggy version that `git diff buggyRef fixedRef` changes.
 */
export interface BugSpec {
  readonly id: string;
  readonly repo: string;
  readonly buggyRef: string;
  readonly fixedRef: string;
  readonly testRef: string;
  readonly fullRef: string;
  readonly install: readonly string[];
  readonly test: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
  readonly faultRevealingTests?: readonly string[];
  /**
   * The Node.js release the suite runs on (`10.24.1`), fetched from the npm registry (bench/runtime.ts); the machine's
   * own when absent. Installs always use the machine's npm.
   */
  readonly node?: string;
}

export interface Manifest {
  readonly bugs: readonly BugSpec[];
}

const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,100}$/;

export class ManifestError extends Error {}

function argv(value: unknown, where: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((a) => typeof a === 'string' && !a.includes('\0'))
  ) {
    throw new ManifestError(`${where}: expected a non-empty array of strings (argv, no shell)`);
  }
  return value as string[];
}

function text(value: unknown, where: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new ManifestError(`${where}: expected a string${pattern ? ` matching ${pattern}` : ''}`);
  }
  return value;
}

export function parseManifest(json: unknown): Manifest {
  const bugsIn = (json as { bugs?: unknown } | null)?.bugs;
  if (!Array.isArray(bugsIn)) throw new ManifestError('manifest: expected {"bugs": [...]}');
  const seen = new Set<string>();
  const bugs = bugsIn.map((raw: Record<string, unknown>, i): BugSpec => {
    const where = `bugs[${i}]`;
    const id = text(raw?.id, `${where}.id`, ID);
    if (seen.has(id)) throw new ManifestError(`${where}.id: duplicate ${id}`);
    seen.add(id);
    const env: Record<string, string> = {};
    if (raw.env !== undefined) {
      if (typeof raw.env !== 'object' || raw.env === null)
        throw new ManifestError(`${where}.env: expected an object`);
      for (const [k, v] of Object.entries(raw.env)) {
        env[text(k, `${where}.env name`, ENV_NAME)] = text(v, `${where}.env.${k}`);
      }
    }
    const tests = raw.faultRevealingTests;
    if (tests !== undefined && (!Array.isArray(tests) || !tests.every((t) => typeof t === 'string'))) {
      throw new ManifestError(`${where}.faultRevealingTests: expected an array of test full titles`);
    }
    const timeout = raw.timeoutSeconds;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0 && timeout <= 3600))) {
      throw new ManifestError(`${where}.timeoutSeconds: expected a number in (0, 3600]`);
    }
    const node = raw.node === undefined ? undefined : text(raw.node, `${where}.node`, NODE_VERSION);
    return {
      id,
      repo: text(raw.repo, `${where}.repo`),
      buggyRef: text(raw.buggyRef, `${where}.buggyRef`, REF),
      fixedRef: text(raw.fixedRef, `${where}.fixedRef`, REF),
      testRef: text(raw.testRef, `${where}.testRef`, REF),
      fullRef: text(raw.fullRef, `${where}.fullRef`, REF),
      install: argv(raw.install, `${where}.install`),
      test: argv(raw.test, `${where}.test`),
      env,
      ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
      ...(tests !== undefined ? { faultRevealingTests: tests as string[] } : {}),
      ...(node !== undefined ? { node } : {}),
    };
  });
  return { bugs };
}

export function readManifest(path: string): Manifest {
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')));
}
