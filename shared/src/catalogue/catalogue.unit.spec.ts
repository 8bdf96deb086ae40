import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CatalogueError, parseCatalogue, validateCatalogue } from './load.js';

const example = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../services/target/catalogue/sample.yaml',
);
const exampleText = readFileSync(example, 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break the example on purpose, field by field
const exampleValue = () => parseYaml(exampleText) as { services: { checkout: Record<string, any> } };

function problemsOf(value: unknown): Array<{ path: string; message: string }> {
  try {
    validateCatalogue(value, 'test.yaml');
  } catch (error) {
    if (error instanceof CatalogueError) return error.problems;
    throw error;
  }
  return [];
}

describe('service catalogue', () => {
  it('accepts the shipped example for the sample service', () => {
    const catalogue = parseCatalogue(exampleText, example);
    const checkout = catalogue.services.checkout!;
    expect(checkout.commands.start).toEqual(['node', 'dist/src/main.js']);
    expect(checkout.logFormat).toEqual({ preset: 'pino' });
    expect(checkout.detection.preset).toBe('hour-scale');
    expect(checkout.healing.canary.steps).toEqual([10, 50, 100]);
  });

  it('names every bad field at once: unknown fields, missing commands, a bad URL', () => {
    const value = exampleValue();
    const checkout = value.services.checkout;
    checkout.colour = 'blue';
    checkout.deployer.replicas = 3;
    delete checkout.commands.build;
    delete checkout.commands.test;
    checkout.repository.url = 'not a url';
    const problems = problemsOf(value);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'services.checkout.colour', message: 'unknown field' },
        { path: 'services.checkout.deployer.replicas', message: 'unknown field' },
        { path: 'services.checkout.commands.build', message: 'missing' },
        { path: 'services.checkout.commands.test', message: 'missing' },
        expect.objectContaining({ path: 'services.checkout.repository.url' }),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('explains a bad log format by the alternative the author meant', () => {
    const value = exampleValue();
    value.services.checkout.logFormat = { regex: '([unclosed' };
    expect(problemsOf(value)).toEqual([
      { path: 'services.checkout.logFormat.regex', message: 'not a valid regular expression' },
    ]);
  });

  it('accepts the declared formats the parser reads: Drain notation, a regex with Python-style groups', () => {
    for (const logFormat of [
      { format: '<Date> <Time> <Level> <Component>: <Content>', timeLayout: 'yyyy-MM-dd HH:mm:ss,SSS' },
      { regex: '^(?P<Level>[A-Z]+) (?P<Content>.*)$' },
      { preset: 'log4j' },
    ]) {
      const value = exampleValue();
      value.services.checkout.logFormat = logFormat;
      expect(problemsOf(value)).toEqual([]);
    }
  });

  it('refuses commands that a shell would be needed for or that start with an option', () => {
    const value = exampleValue();
    value.services.checkout.commands.install = 'npm ci && rm -rf /';
    value.services.checkout.commands.start = ['--inspect', 'x'];
    const paths = problemsOf(value).map((p) => p.path);
    expect(paths).toEqual(['services.checkout.commands.install', 'services.checkout.commands.start']);
  });

  it('checks the healing policy: canary steps ascend, hours are a window, severities are known', () => {
    const value = exampleValue();
    value.services.checkout.healing.canary.steps = [50, 10];
    value.services.checkout.healing.autoDeploy.allowedHours.fromHour = 20;
    value.services.checkout.healing.autoMerge.maxSeverity = 'catastrophic';
    const paths = problemsOf(value).map((p) => p.path);
    expect(paths.sort()).toEqual([
      'services.checkout.healing.autoDeploy.allowedHours.toHour',
      'services.checkout.healing.autoMerge.maxSeverity',
      'services.checkout.healing.canary.steps',
    ]);
  });

  it('reports unreadable text as one problem at the root', () => {
    expect(() => parseCatalogue('{ "version": ', 'x.json')).toThrow(/not valid YAML\/JSON/);
  });
});
