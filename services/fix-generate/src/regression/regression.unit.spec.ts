import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { CandidateChange, IssueView, RepoView } from '../strategies/types.js';
import { changedLines } from './ast.js';
import { classifyError, errorClassOf } from './derive.js';
import { generateRegressionTest } from './index.js';
import { testPathFor } from './render.js';
import { formattingOf, frameworkOf, specifierFor, stringLiteral } from './style.js';
import type { RegressionTest } from './types.js';

/** A repository held in memory: path -> text at the base commit. */
function repoOf(files: Record<string, string>): RepoView {
  return {
    baseCommit: 'base',
    files: new Set(Object.keys(files)),
    read: async (p) => files[p],
    commitDiff: async () => '',
    log: async () => [],
  };
}

const issue = (over: Partial<IssueView> = {}): IssueView => ({
  id: 'i-1',
  kind: 'error',
  title: 't',
  hypothesis: 'h',
  confidence: 0.8,
  lines: [],
  suspects: [],
  evidence: {},
  bounded: true,
  ...over,
});

const candidate = (files: Record<string, string>): CandidateChange => ({
  strategy: 'test',
  strategyVersion: '1',
  remedyId: 'r',
  files: new Map(Object.entries(files)),
  rationale: '',
  fit: 1,
});

const NODE_PKG = JSON.stringify({ type: 'module', scripts: { test: 'node --test dist/test/' } });

const LABEL_BASE = `export interface Address {
  name: string;
  line2?: string;
  country: string;
}

export function label(address: Address): string[] {
  const lines = [address.name];
  if (address.country === 'GB') lines.push(address.line2!.toUpperCase());
  else if (address.line2) lines.push(address.line2);
  return lines;
}
`;
const LABEL_FIXED = LABEL_BASE.replace(
  "  if (address.country === 'GB') lines.push(address.line2!.toUpperCase());\n  else if (address.line2) lines.push(address.line2);",
  "  if (address.line2) lines.push(address.country === 'GB' ? address.line2.toUpperCase() : address.line2);",
);
const LABEL_TEST = `import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { label } from '../src/label.js';

const ADA = { name: 'Ada', country: 'DE' };

describe('label', () => {
  it('prints the name', () => {
    const home = { ...ADA, line2: 'c/o B' };
    assert.deepEqual(label(home), ['Ada', 'c/o B']);
  });
});
`;

const asTest = (o: Awaited<ReturnType<typeof generateRegressionTest>>): RegressionTest => {
  if ('skippedReason' in o) throw new Error(`skipped: ${o.skippedReason}`);
  return o;
};

/** The generated text parses as TypeScript without syntax errors. */
const parses = (path: string, text: string) =>
  (
    ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true) as unknown as {
      parseDiagnostics: unknown[];
    }
  ).parseDiagnostics.length === 0;

describe('generateRegressionTest: a guard on a failing read', () => {
  const repo = repoOf({
    'package.json': NODE_PKG,
    'src/label.ts': LABEL_BASE,
    'test/label.test.ts': LABEL_TEST,
  });

  it('calls the function with the read value missing and the branch to it taken, reusing the donor call', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({
          evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
        }),
        candidate: candidate({ 'src/label.ts': LABEL_FIXED }),
        incidentId: 'inc-7',
      }),
    );
    expect(out.framework).toBe('node:test');
    const [path, text] = [...out.files][0]!;
    expect(path).toBe('test/regression-inc-7.test.ts');
    // The donor's local constant and the file's helper come along; the override sets line2 and the GB branch.
    expect(text).toContain("const home = { ...ADA, line2: 'c/o B' };");
    expect(text).toContain("const ADA = { name: 'Ada', country: 'DE' };");
    expect(text).toContain("assert.doesNotThrow(() => label({ ...home, line2: undefined, country: 'GB' }));");
    expect(text).toContain("import { label } from '../src/label.js';");
    expect(text).toMatch(/^import assert from 'node:assert\/strict';\nimport \{ it \} from 'node:test';/);
    expect(out.testNames[0]).toMatch(/^regression inc-7: label with address\.line2 = undefined/);
    expect(parses(path, text)).toBe(true);
  });

  it('escapes the incident id: it never becomes code', async () => {
    const hostile = "x'); process.exit(1); //\n*/";
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({
          evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
        }),
        candidate: candidate({ 'src/label.ts': LABEL_FIXED }),
        incidentId: hostile,
      }),
    );
    const [path, text] = [...out.files][0]!;
    expect(path).toMatch(/^test\/regression-[a-z0-9-]+\.test\.ts$/);
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    // Exactly one top-level call besides the imports: the test, whose name is one string literal holding the id.
    const calls = sf.statements.filter((s) => ts.isExpressionStatement(s));
    expect(calls).toHaveLength(1);
    const call = (calls[0] as ts.ExpressionStatement).expression as ts.CallExpression;
    expect(ts.isStringLiteral(call.arguments[0]!)).toBe(true);
    expect((call.arguments[0] as ts.StringLiteral).text).toBe(out.testNames[0]);
    expect(out.testNames[0]).toContain(hostile);
  });

  it('skips when the error names a property the change does not touch', async () => {
    const out = await generateRegressionTest({
      repo,
      issue: issue({ evidence: { errorTemplate: "Cannot read properties of undefined (reading 'street')" } }),
      candidate: candidate({ 'src/label.ts': LABEL_FIXED }),
      incidentId: 'inc-8',
    });
    expect(out).toEqual({ skippedReason: expect.stringContaining('street') });
  });

  it('reaches a private function through the exported caller that passes the parameter on', async () => {
    const wrap = (t: string) =>
      t.replace('export function label', 'function label') +
      "\nexport function card(person: { address: Address }): string {\n  return label(person.address).join('\\n');\n}\n";
    const out = asTest(
      await generateRegressionTest({
        repo: repoOf({
          'package.json': NODE_PKG,
          'src/label.ts': wrap(LABEL_BASE),
          'test/card.test.ts': `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { card } from '../src/label.js';\n\nit('prints', () => {\n  assert.equal(card({ address: { name: 'Ada', country: 'DE' } }), 'Ada');\n});\n`,
        }),
        issue: issue({
          evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
        }),
        candidate: candidate({ 'src/label.ts': wrap(LABEL_FIXED) }),
        incidentId: 'inc-10',
      }),
    );
    expect([...out.files.values()][0]).toContain(
      "assert.doesNotThrow(() => card({ address: { name: 'Ada', line2: undefined, country: 'GB' } }));",
    );
    expect(out.rationale).toContain('through card');
  });

  it('calls a method on the instance a donor test builds', async () => {
    const cls = (t: string) =>
      t.replace(
        'export function label(address: Address): string[] {',
        'export class Printer {\n  constructor(private readonly prefix: string) {}\n\n  label(address: Address): string[] {',
      ) + '}\n';
    const out = asTest(
      await generateRegressionTest({
        repo: repoOf({
          'package.json': NODE_PKG,
          'src/label.ts': cls(LABEL_BASE),
          'test/printer.test.ts': `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { Printer } from '../src/label.js';\n\nconst printer = () => new Printer('> ');\n\nit('prints', () => {\n  const p = printer();\n  assert.deepEqual(p.label({ name: 'Ada', country: 'DE' }), ['Ada']);\n});\n`,
        }),
        issue: issue({
          evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
        }),
        candidate: candidate({ 'src/label.ts': cls(LABEL_FIXED) }),
        incidentId: 'inc-11',
      }),
    );
    const text = [...out.files.values()][0]!;
    expect(text).toContain("const printer = () => new Printer('> ');");
    expect(text).toContain('  const p = printer();\n');
    expect(text).toContain(
      "assert.doesNotThrow(() => p.label({ name: 'Ada', line2: undefined, country: 'GB' }));",
    );
    expect(text).toContain("import { Printer } from '../src/label.js';");
  });

  it('finds donors that import the function through a barrel', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo: repoOf({
          'package.json': NODE_PKG,
          'src/label.ts': LABEL_BASE,
          'src/index.ts': "export * from './label.js';\n",
          'test/label.test.ts': LABEL_TEST.replace('../src/label.js', '../src/index.js'),
        }),
        issue: issue({
          evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
        }),
        candidate: candidate({ 'src/label.ts': LABEL_FIXED }),
        incidentId: 'inc-13',
      }),
    );
    const text = [...out.files.values()][0]!;
    expect(text).toContain("import { label } from '../src/index.js';");
    expect(text).toContain("assert.doesNotThrow(() => label({ ...home, line2: undefined, country: 'GB' }));");
  });

  it('skips a function the module does not export', async () => {
    const hidden = { 'src/label.ts': LABEL_BASE.replace('export function label', 'function label') };
    const out = await generateRegressionTest({
      repo: repoOf({ 'package.json': NODE_PKG, ...hidden, 'test/label.test.ts': LABEL_TEST }),
      issue: issue({
        evidence: { errorTemplate: "Cannot read properties of undefined (reading 'toUpperCase')" },
      }),
      candidate: candidate({
        'src/label.ts': LABEL_FIXED.replace('export function label', 'function label'),
      }),
      incidentId: 'inc-9',
    });
    expect(out).toEqual({ skippedReason: expect.stringContaining('not exported') });
  });
});

const PARSE_BASE = `export function parse(body: unknown): { email?: string } {
  if (typeof body !== 'object' || body === null) throw new Error('bad body');
  const fields = body as Record<string, unknown>;
  return { ...(fields.email !== undefined ? { email: (fields.email as string).trim() } : {}) };
}
`;
const PARSE_FIXED = `export function parse(body: unknown): { email?: string } {
  if (typeof body !== 'object' || body === null) throw new Error('bad body');
  const fields = body as Record<string, unknown>;
  if (fields.email !== undefined && typeof fields.email !== 'string') throw new Error('email must be a string');
  return { ...(typeof fields.email === 'string' ? { email: fields.email.trim() } : {}) };
}
`;

describe('generateRegressionTest: a wrongly typed value (vitest, expect)', () => {
  const repo = repoOf({
    'package.json': JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { vitest: '^3' } }),
    'src/parse.ts': PARSE_BASE,
    'src/parse.spec.ts': `import { describe, expect, test } from "vitest"
import { parse } from "./parse"

describe("parse", () => {
  test("keeps the email", () => {
    expect(parse({ id: 1, email: "a@b" }).email).toBe("a@b")
  })
})
`,
  });

  it('passes a non-string where a method was called, and expects no TypeError when the fix adds a check', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({
          evidence: { errorTemplate: 'TypeError: fields.email.trim is not a function', 'body.email': 42 },
        }),
        candidate: candidate({ 'src/parse.ts': PARSE_FIXED }),
        incidentId: 'inc-2',
      }),
    );
    expect(out.framework).toBe('vitest');
    const [path, text] = [...out.files][0]!;
    expect(path).toBe('src/regression-inc-2.spec.ts');
    // The logged value, the repository's double quotes, no semicolons, no extension on relative imports.
    expect(text).toContain('expect(() => parse({ id: 1, email: 42 })).not.toThrow(TypeError)\n');
    expect(text).toContain('import { parse } from "./parse"\n');
    expect(text).toContain('import { expect, test } from "vitest"\n');
    expect(text).toContain('test("regression inc-2: ');
    expect(parses(path, text)).toBe(true);
  });
});

const QTY_BASE = `import { limits } from './limits.js';

export function parseQuantity(raw: unknown): number {
  const q = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof q !== 'number' || q < 1) throw new Error('not a quantity');
  if (q >= limits.max) throw new Error('too many');
  return q;
}
`;
const LIMITS = `export const limits = {\n  max: 20,\n} as const;\n`;
const BULK_BASE = `import { limits } from './limits.js';

export interface Line { sku: string; quantity: number; cents: number }

function discountOf(line: Line): number {
  return line.quantity > limits.bulk ? Math.round(line.cents / 20) : 0;
}

export function quote(lines: readonly Line[]): { total: number; discount: number } {
  let total = 0;
  let discount = 0;
  for (const line of lines) {
    total += line.cents;
    discount += discountOf(line);
  }
  return { total, discount };
}
`;
const SHIP_BASE = `export function shipping(cents: number[]): number {
  const sum = cents.reduce((a, b) => a + b, 0);
  return sum > 5000 ? 0 : 495;
}
`;

describe('generateRegressionTest: a bound moved by one', () => {
  const repo = repoOf({
    'package.json': NODE_PKG,
    'src/limits.ts': `export const limits = {\n  max: 20,\n  bulk: 10,\n} as const;\n`,
    'src/qty.ts': QTY_BASE,
    'src/quote.ts': BULK_BASE,
    'src/ship.ts': SHIP_BASE,
    'test/qty.test.ts': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuantity } from '../src/qty.js';
import { quote, type Line } from '../src/quote.js';

const line = (quantity: number): Line => ({ sku: 'A', quantity, cents: 1000 * quantity });

test('parses', () => {
  assert.equal(parseQuantity('3'), 3);
  assert.equal(quote([line(2)]).total, 2000);
});
`,
  });

  it('calls at the bound, written as the imported configuration, and asserts the branch the fix takes', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({ 'src/qty.ts': QTY_BASE.replace('q >= limits.max', 'q > limits.max') }),
        incidentId: 'inc-3',
      }),
    );
    const text = [...out.files.values()][0]!;
    expect(text).toContain("import { limits } from '../src/limits.js';");
    expect(text).toContain('assert.doesNotThrow(() => parseQuantity(limits.max));');
    expect(out.rationale).toContain('q >= limits.max');
  });

  it('the other direction: the fix now refuses the bound', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo: repoOf({
          'package.json': NODE_PKG,
          'src/limits.ts': LIMITS,
          'src/qty.ts': QTY_BASE.replace('q >= limits.max', 'q > limits.max'),
          'test/qty.test.ts': `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { parseQuantity } from '../src/qty.js';\n\nit('x', () => assert.equal(parseQuantity(2), 2));\n`,
        }),
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({ 'src/qty.ts': QTY_BASE }),
        incidentId: 'inc-4',
      }),
    );
    expect([...out.files.values()][0]).toContain('assert.throws(() => parseQuantity(limits.max), Error);');
  });

  it('does not assert what the fixed branch does when the candidate also rewrites that branch', async () => {
    const base = QTY_BASE.replace('q >= limits.max', 'q > limits.max');
    const out = await generateRegressionTest({
      repo: repoOf({
        'package.json': NODE_PKG,
        'src/limits.ts': LIMITS,
        'src/qty.ts': base,
        'test/qty.test.ts': `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { parseQuantity } from '../src/qty.js';\n\nit('x', () => assert.equal(parseQuantity(2), 2));\n`,
      }),
      issue: issue({ kind: 'behavioral' }),
      candidate: candidate({
        'src/qty.ts': base.replace(
          "if (q > limits.max) throw new Error('too many');",
          'if (q >= limits.max) return limits.max;',
        ),
      }),
      incidentId: 'inc-4c',
    });
    expect(out).toEqual({ skippedReason: expect.stringContaining('more than the operator') });
  });

  it('names the class the boundary branch throws, imported from where the module imports it', async () => {
    const src = QTY_BASE.replace(
      "import { limits } from './limits.js';",
      "import { limits } from './limits.js';\nimport { TooMany } from './errors.js';",
    ).replace("throw new Error('too many')", 'throw new TooMany(q)');
    const out = asTest(
      await generateRegressionTest({
        repo: repoOf({
          'package.json': NODE_PKG,
          'src/limits.ts': LIMITS,
          'src/errors.ts': 'export class TooMany extends Error {}\n',
          'src/qty.ts': src.replace('q >= limits.max', 'q > limits.max'),
          'test/qty.test.ts': `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { parseQuantity } from '../src/qty.js';\n\nit('x', () => assert.equal(parseQuantity(2), 2));\n`,
        }),
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({ 'src/qty.ts': src }),
        incidentId: 'inc-4b',
      }),
    );
    const text = [...out.files.values()][0]!;
    expect(text).toContain("import { TooMany } from '../src/errors.js';");
    expect(text).toContain('assert.throws(() => parseQuantity(limits.max), TooMany);');
  });

  it('reaches a private function through the exported caller that sums its result, with the donor element', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({
          'src/quote.ts': BULK_BASE.replace('line.quantity > limits.bulk', 'line.quantity >= limits.bulk'),
        }),
        incidentId: 'inc-5',
      }),
    );
    const text = [...out.files.values()][0]!;
    expect(text).toContain(
      "const line = (quantity: number): Line => ({ sku: 'A', quantity, cents: 1000 * quantity });",
    );
    expect(text).toContain("import { type Line, quote } from '../src/quote.js';");
    expect(text).toContain('assert.notEqual(quote([{ ...line(2), quantity: limits.bulk }]).discount, 0);');
  });

  it('follows a revert that inlines the changed function into its caller again', async () => {
    const inlined = BULK_BASE.replace(/\/\*\* \*\/\n|function discountOf[\s\S]*?\n}\n\n/, '').replace(
      'discount += discountOf(line);',
      'if (line.quantity >= limits.bulk) discount += Math.round(line.cents / 20);',
    );
    expect(inlined).not.toContain('function discountOf');
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({ 'src/quote.ts': inlined }),
        incidentId: 'inc-5b',
      }),
    );
    expect([...out.files.values()][0]).toContain(
      'assert.notEqual(quote([{ ...line(2), quantity: limits.bulk }]).discount, 0);',
    );
  });

  it('skips a comparison of a computed value', async () => {
    const out = await generateRegressionTest({
      repo,
      issue: issue({ kind: 'behavioral' }),
      candidate: candidate({ 'src/ship.ts': SHIP_BASE.replace('sum > 5000', 'sum >= 5000') }),
      incidentId: 'inc-6',
    });
    expect(out).toEqual({ skippedReason: expect.stringContaining('computed') });
  });

  it('skips performance issues and candidates that change no function', async () => {
    expect(
      await generateRegressionTest({
        repo,
        issue: issue({ kind: 'performance' }),
        candidate: candidate({}),
        incidentId: 'p',
      }),
    ).toEqual({ skippedReason: expect.stringContaining('latency') });
    expect(
      await generateRegressionTest({
        repo,
        issue: issue({ kind: 'behavioral' }),
        candidate: candidate({ 'src/limits.ts': LIMITS.replace('20', '25') }),
        incidentId: 'c',
      }),
    ).toEqual({ skippedReason: expect.stringContaining('no function') });
  });
});

describe('generateRegressionTest: CommonJS and mocha', () => {
  const UTILS = `'use strict';
var path = require('path');

exports.normalize = function normalize(opts) {
  if (opts.mode === 'strict') return opts.type.name.toLowerCase();
  return String(opts.type);
};
`;
  const repo = repoOf({
    'package.json': JSON.stringify({
      scripts: { test: 'mocha --require test/support/env test/' },
      devDependencies: { mocha: '*' },
    }),
    'lib/utils.js': UTILS,
    'test/utils.js': `var assert = require('assert')
var utils = require('../lib/utils')

describe('utils.normalize', function () {
  it('should lower-case in strict mode', function () {
    assert.strictEqual(utils.normalize({ mode: 'strict', type: { name: 'JSON' } }), 'json')
  })
})
`,
  });

  it('calls the module member the tests call, with require and the file layout', async () => {
    const out = asTest(
      await generateRegressionTest({
        repo,
        issue: issue({
          evidence: { errorTemplate: "TypeError: Cannot read properties of undefined (reading 'name')" },
        }),
        candidate: candidate({
          'lib/utils.js': UTILS.replace("opts.mode === 'strict'", "opts.mode === 'strict' && opts.type"),
        }),
        incidentId: 'inc-12',
      }),
    );
    expect(out.framework).toBe('mocha');
    const [path, text] = [...out.files][0]!;
    expect(path).toBe('test/regression-inc-12.js');
    expect(text).toBe(
      [
        "var assert = require('assert')",
        "var utils = require('../lib/utils')",
        '',
        `it("regression inc-12: normalize with opts.type = undefined (opts.mode = 'strict') does not throw", () => {`,
        "  assert.doesNotThrow(() => utils.normalize({ type: undefined, mode: 'strict' }))",
        '})',
        '',
      ].join('\n'),
    );
  });
});

describe('style and helpers', () => {
  it('reads the framework from the test script, then dependencies and imports', () => {
    expect(frameworkOf({ scripts: { test: 'node --test dist/test/' } }, [])).toBe('node:test');
    expect(frameworkOf({ scripts: { test: 'jest --ci' } }, [])).toBe('jest');
    expect(frameworkOf({ scripts: { test: 'tsc && mocha' } }, [])).toBe('mocha');
    expect(frameworkOf({ devDependencies: { vitest: '3' } }, [])).toBe('vitest');
    expect(frameworkOf({}, ["import { test } from 'node:test';"])).toBe('node:test');
    expect(frameworkOf({}, [])).toBeUndefined();
  });

  it('reads quotes, semicolons and the indentation unit', () => {
    expect(formattingOf(["import a from 'a';\nconst x = 1;\nif (x) {\n  f();\n    g();\n}\n"])).toEqual({
      quote: "'",
      semicolons: true,
      indent: '  ',
    });
    expect(formattingOf(['import a from "a"\nconst x = 1\nif (x) {\n    f()\n}\n'])).toEqual({
      quote: '"',
      semicolons: false,
      indent: '    ',
    });
  });

  it('writes strings as escaped literals in the preferred quote', () => {
    const nasty = 'a\'b"c\\d\ne\u2028${x}`';
    for (const q of ["'", '"'] as const) {
      const lit = stringLiteral(nasty, q);
      const sf = ts.createSourceFile('x.ts', `const v = ${lit};`, ts.ScriptTarget.Latest, true);
      const init = (sf.statements[0] as ts.VariableStatement).declarationList.declarations[0]!.initializer!;
      expect(ts.isStringLiteral(init)).toBe(true);
      expect((init as ts.StringLiteral).text).toBe(nasty);
    }
    expect(stringLiteral("it's", "'")).toBe('"it\'s"');
    expect(stringLiteral('plain', "'")).toBe("'plain'");
  });

  it('writes import specifiers by the tests convention', () => {
    expect(specifierFor('test/a.test.ts', 'src/x/y.ts', { extension: 'js' })).toBe('../src/x/y.js');
    expect(specifierFor('src/a.spec.ts', 'src/y.ts', { extension: 'none' })).toBe('./y');
    expect(specifierFor('test/a.test.mts', 'src/y.mts', { extension: 'js' })).toBe('../src/y.mjs');
  });

  it('names the test file after the imitated one, with safe characters only', () => {
    expect(testPathFor('test/input.test.ts', 'INC 12/../x')).toBe('test/regression-inc-12-x.test.ts');
    expect(testPathFor('src/a/b.spec.js', '')).toBe('src/a/regression-incident.spec.js');
    expect(testPathFor('test/harness.ts', 'i', ['test/a.test.ts', 'test/harness.ts'])).toBe(
      'test/regression-i.test.ts',
    );
    expect(testPathFor('test/app.router.js', 'i', ['test/app.router.js'])).toBe('test/regression-i.js');
  });

  it('classifies runtime errors', () => {
    expect(classifyError("TypeError: Cannot read properties of undefined (reading 'c')")).toEqual({
      failure: 'nullish',
      nullish: 'undefined',
      prop: 'c',
    });
    expect(classifyError('Cannot read properties of null (reading <*>)')).toEqual({
      failure: 'nullish',
      nullish: 'null',
    });
    expect(classifyError('x.y.trim is not a function')).toEqual({ failure: 'not-a-function', prop: 'trim' });
    expect(classifyError('out of stock')).toBeUndefined();
    expect(errorClassOf('RangeError: Invalid array length')).toBe('RangeError');
    expect(errorClassOf('x is not iterable')).toBe('TypeError');
  });

  it('finds changed lines on both sides', () => {
    const c = changedLines('a\nb\nc\nd\n', 'a\nB\nc\nd\nE\n');
    expect([...c.before]).toEqual([2]);
    expect([...c.after].sort()).toEqual([2, 5]);
  });
});
