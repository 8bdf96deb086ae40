/**
 * How to get per-test results out of an application's test command. We only add a reporter; the command stays the
 * application's own. When the runner is not one we know, the answer is null and only the exit code counts.
 */

export type Framework = 'node:test' | 'vitest';

export interface RunnerOptions {
  framework: Framework;
  /** Variables to set for the command; NODE_OPTIONS is to be appended to any NODE_OPTIONS already set. */
  env: Record<string, string>;
  /** Arguments to append to the command (after `--` for npm, which this includes). */
  args: string[];
}

// The report path goes into NODE_OPTIONS or argv, split on spaces by node: keep it to characters that need no quoting.
const SAFE_PATH = /^[A-Za-z0-9_./-]+$/;

const SHELL_CHAINING = /&&|\|\||[;|&<>`$]/;

/**
 * The reporter options that make `command` write a JUnit report to `reportFile`, or null when we do not know how.
 * `packageScripts` is package.json's "scripts", needed to see what `npm test` / `npm run <x>` runs.
 *
 * - node:test (`node --test ...`, or an npm script that runs it anywhere in its chain): NODE_OPTIONS with the spec
 *   reporter kept on stdout and junit to the file (node 20 honours reporters from NODE_OPTIONS in `npm test`).
 *   Refused when the command already picks reporters: node pairs reporters with destinations by position.
 * - vitest (`vitest ...`, `npx vitest ...`, or an npm script that is one vitest command): `--reporter=default
 *   --reporter=junit --outputFile.junit=<file>`.
 * - jest: not supported (its JUnit reporter is a separate package the application may not have).
 */
export function testRunnerOptions(
  command: readonly string[],
  reportFile: string,
  packageScripts?: Readonly<Record<string, string>>,
): RunnerOptions | null {
  if (!SAFE_PATH.test(reportFile))
    throw new Error(`report path needs quoting: ${JSON.stringify(reportFile)}`);
  const direct = fromArgv(command, reportFile);
  if (direct) return direct;
  const script = npmScriptOf(command);
  if (script === null) return null;
  const body = packageScripts?.[script];
  if (typeof body !== 'string') return null;
  const passesArgs = command.length > (command[1] === 'test' || command[1] === 't' ? 2 : 3);
  return fromScript(body, reportFile, passesArgs);
}

const nodeTest = (reportFile: string): RunnerOptions => ({
  framework: 'node:test',
  env: {
    NODE_OPTIONS: `--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=${reportFile}`,
  },
  args: [],
});

const vitestArgs = (reportFile: string): string[] => [
  '--reporter=default',
  '--reporter=junit',
  `--outputFile.junit=${reportFile}`,
];

const picksReporter = (words: readonly string[]): boolean =>
  words.some((w) => /^--test-reporter|^--reporter|^--outputFile/.test(w));

function fromArgv(command: readonly string[], reportFile: string): RunnerOptions | null {
  const [program, ...rest] = command;
  if (program === undefined || picksReporter(rest)) return null;
  if (basename(program) === 'node' && rest.includes('--test')) return nodeTest(reportFile);
  const vitestAt =
    basename(program) === 'npx' ? (rest[0] === 'vitest' ? 1 : -1) : basename(program) === 'vitest' ? 0 : -1;
  if (vitestAt >= 0 && isVitestRun(command.slice(vitestAt + 1))) {
    return { framework: 'vitest', env: {}, args: vitestArgs(reportFile) };
  }
  return null;
}

/** `vitest` alone watches in a terminal but runs once without one; `run` is explicit. Other subcommands are not runs. */
const isVitestRun = (args: readonly string[]): boolean =>
  args[0] === undefined || args[0] === 'run' || args[0].startsWith('-') || !/^[a-z]+$/.test(args[0]);

/** The script `npm test` / `npm run x` / `npm run-script x` runs, or null when the command is not npm running one. */
function npmScriptOf(command: readonly string[]): string | null {
  if (basename(command[0] ?? '') !== 'npm') return null;
  const verb = command[1];
  if (verb === 'test' || verb === 't') return 'test';
  if ((verb === 'run' || verb === 'run-script') && command[2] !== undefined && !command[2].startsWith('-')) {
    return command[2];
  }
  return null;
}

function fromScript(body: string, reportFile: string, passesArgs: boolean): RunnerOptions | null {
  const words = body.split(/\s+/).filter((w) => w !== '');
  if (picksReporter(words)) return null;
  // NODE_OPTIONS reaches every node process of the chain, so `tsc && node --test dist/` works as well.
  const nodeAt = words.findIndex((w, i) => basename(w) === 'node' && words.slice(i + 1).includes('--test'));
  if (nodeAt >= 0 && !/\bvitest\b|\bjest\b/.test(body)) return nodeTest(reportFile);
  // Arguments after `npm test --` go to the end of the script, so only a script that is one vitest command works.
  const first = words[0] === 'npx' ? words.slice(1) : words;
  if (first[0] === 'vitest' && !SHELL_CHAINING.test(body) && !passesArgs && isVitestRun(first.slice(1))) {
    return { framework: 'vitest', env: {}, args: ['--', ...vitestArgs(reportFile)] };
  }
  return null;
}

const basename = (program: string): string => program.slice(program.lastIndexOf('/') + 1);
