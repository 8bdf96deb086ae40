import { describe, expect, it } from 'vitest';
import { testRunnerOptions } from './runner.js';

const REPORT = '/tmp/run-1/junit.xml';
const NODE_OPTIONS = `--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=${REPORT}`;

describe('testRunnerOptions', () => {
  it('given npm test whose script runs node --test, when asked, then NODE_OPTIONS adds the junit reporter', () => {
    const scripts = { build: 'tsc -p tsconfig.json', test: 'node --test dist/test/' };
    expect(testRunnerOptions(['npm', 'test'], REPORT, scripts)).toEqual({
      framework: 'node:test',
      env: { NODE_OPTIONS },
      args: [],
    });
    expect(testRunnerOptions(['npm', 'run', 'test'], REPORT, scripts)?.framework).toBe('node:test');
    // NODE_OPTIONS reaches every node of a chain, so a build before the tests changes nothing.
    expect(
      testRunnerOptions(['npm', 'test'], REPORT, { test: 'tsc && node --enable-source-maps --test dist/' })
        ?.env,
    ).toEqual({ NODE_OPTIONS });
  });

  it('given node --test directly (the regression test alone), when asked, then the same NODE_OPTIONS', () => {
    expect(testRunnerOptions(['node', '--test', 'dist/test/regression-x.test.js'], REPORT)?.env).toEqual({
      NODE_OPTIONS,
    });
    expect(testRunnerOptions(['/usr/bin/node', '--test'], REPORT)?.framework).toBe('node:test');
    expect(testRunnerOptions(['node', 'dist/test/a.js'], REPORT)).toBeNull();
  });

  it('given a command that already chooses reporters, when asked, then null (node pairs reporters with destinations)', () => {
    expect(testRunnerOptions(['node', '--test', '--test-reporter=dot'], REPORT)).toBeNull();
    expect(
      testRunnerOptions(['npm', 'test'], REPORT, { test: 'node --test --test-reporter=tap' }),
    ).toBeNull();
  });

  it('given vitest, when asked, then reporter arguments (after -- for npm, only for a script of one command)', () => {
    const args = ['--reporter=default', '--reporter=junit', `--outputFile.junit=${REPORT}`];
    expect(testRunnerOptions(['npx', 'vitest', 'run'], REPORT)).toEqual({
      framework: 'vitest',
      env: {},
      args,
    });
    expect(testRunnerOptions(['npm', 'test'], REPORT, { test: 'vitest run' })).toEqual({
      framework: 'vitest',
      env: {},
      args: ['--', ...args],
    });
    expect(testRunnerOptions(['npm', 'test'], REPORT, { test: 'vitest run && eslint .' })).toBeNull();
    expect(testRunnerOptions(['npx', 'vitest', 'bench'], REPORT)).toBeNull();
  });

  it('given jest, an unknown script or no scripts, when asked, then null: only the exit code counts', () => {
    expect(testRunnerOptions(['npm', 'test'], REPORT, { test: 'jest --ci' })).toBeNull();
    expect(testRunnerOptions(['npm', 'test'], REPORT, { test: 'mocha' })).toBeNull();
    expect(testRunnerOptions(['npm', 'test'], REPORT)).toBeNull();
    expect(testRunnerOptions(['make', 'test'], REPORT)).toBeNull();
  });

  it('given a report path that node would split, when asked, then it refuses', () => {
    expect(() => testRunnerOptions(['node', '--test'], '/tmp/a b.xml')).toThrow(/quoting/);
  });
});
