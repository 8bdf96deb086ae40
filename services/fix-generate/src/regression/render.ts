import ts from 'typescript';
import { exportNameOf, isAsync as isAsyncFn, isPublicMethod } from './ast.js';
import type { Expectation, ImportNeed, Override, Plan } from './derive.js';
import {
  calleeIn,
  donorsIn,
  specifierIn,
  type Donor,
  type ImportBinding,
  type TestFileInfo,
} from './donor.js';
import { specifierFor, stringLiteral, type TestStyle } from './style.js';

/**
 * Writes the test of a plan as a new file next to the test file it imitates: that file's test function and
 * assertion library, its import specifiers, the donor call's setup, the repository's quotes and semicolons.
 */

interface OverrideTree {
  code?: string;
  children: Map<string, OverrideTree>;
}

function treeOf(overrides: Override[], index: number): OverrideTree | undefined {
  const mine = overrides.filter((o) => o.path.index === index);
  if (mine.length === 0) return undefined;
  const root: OverrideTree = { children: new Map() };
  for (const o of mine) {
    let t = root;
    for (const p of o.path.props) {
      let next = t.children.get(p);
      if (!next) t.children.set(p, (next = { children: new Map() }));
      t = next;
    }
    t.code = o.code;
  }
  return root;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** An argument: the donor's expression with the tree's values set in it; undefined when the donor cannot hold them. */
function applyTree(
  base: ts.Expression | undefined,
  baseText: string | undefined,
  t: OverrideTree,
  quote: "'" | '"',
): string | undefined {
  if (t.code !== undefined) return t.code;
  const element = t.children.get('[]');
  if (element) {
    // An element of an array parameter: a one-element array built from the donor's first element.
    const x = base && stripParens(base);
    if (!x || !ts.isArrayLiteralExpression(x)) return undefined;
    const first = x.elements[0];
    if (!first || ts.isSpreadElement(first) || ts.isOmittedExpression(first)) return undefined;
    const inner = applyTree(first, first.getText(), element, quote);
    return inner === undefined ? undefined : `[${inner}]`;
  }
  const x = base && stripParens(base);
  const parts: string[] = [];
  const set = new Set(t.children.keys());
  const key = (k: string) => (IDENT.test(k) ? k : stringLiteral(k, quote));
  if (x && ts.isObjectLiteralExpression(x)) {
    for (const p of x.properties) {
      const name =
        p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (name !== undefined && set.has(name)) continue;
      parts.push(p.getText());
    }
  } else if (baseText !== undefined)
    parts.push(`...${base && needsParens(base) ? `(${baseText})` : baseText}`);
  else return undefined;
  for (const [k, child] of t.children) {
    let inner: string | undefined;
    if (child.code !== undefined) inner = child.code;
    else {
      const sub =
        x && ts.isObjectLiteralExpression(x) ? x.properties.find((p) => p.name?.getText() === k) : undefined;
      const subExpr = sub && ts.isPropertyAssignment(sub) ? sub.initializer : undefined;
      const subText = subExpr
        ? subExpr.getText()
        : baseText !== undefined
          ? `${needsParens(base) ? `(${baseText})` : baseText}.${k}`
          : undefined;
      inner = applyTree(subExpr, subText, child, quote);
    }
    if (inner === undefined) return undefined;
    parts.push(`${key(k)}: ${inner}`);
  }
  return `{ ${parts.join(', ')} }`;
}

const stripParens = (e: ts.Expression): ts.Expression =>
  ts.isParenthesizedExpression(e) ? stripParens(e.expression) : e;
const needsParens = (e: ts.Expression | undefined): boolean =>
  !!e &&
  !(
    ts.isIdentifier(e) ||
    ts.isCallExpression(e) ||
    ts.isPropertyAccessExpression(e) ||
    ts.isObjectLiteralExpression(e)
  );

/** The call's argument list, or why the donor (or its absence) cannot supply it. */
function argumentsFor(plan: Plan, donor: Donor | undefined, quote: "'" | '"'): string[] | string {
  const params = plan.entry.parameters;
  const args: string[] = [];
  for (let i = 0; i < params.length; i++) {
    const tree = treeOf(plan.overrides, i);
    const given = donor?.call.arguments[i];
    if (!tree) {
      if (given) args.push(given.getText());
      else if (params[i]!.questionToken || params[i]!.initializer || params[i]!.dotDotDotToken) break;
      else
        return `no test calls ${plan.entryName} with a value for its parameter ${params[i]!.name.getText()} to reuse`;
      continue;
    }
    const text = applyTree(given, given?.getText(), tree, quote);
    if (text === undefined)
      return `no test calls ${plan.entryName} with an argument the failing input can be set in (parameter ${params[i]!.name.getText()})`;
    args.push(text);
  }
  // The donor's extra arguments (rest parameters) are kept as they are.
  if (donor && donor.call.arguments.length > params.length && params.at(-1)?.dotDotDotToken)
    for (const a of donor.call.arguments.slice(params.length)) args.push(a.getText());
  return args;
}

function donorFits(plan: Plan, donor: Donor): boolean {
  return typeof argumentsFor(plan, donor, "'") !== 'string';
}

export interface AssertLib {
  kind: 'assert' | 'expect';
  name: string;
  strict: boolean;
  /** The import that brings it, when one is needed. */
  binding?: ImportBinding;
}

/** The assertion library a test file uses: node:assert (strict or not), or a framework's expect. */
export function assertLibOf(info: TestFileInfo, style: TestStyle): AssertLib {
  for (const b of info.imports.values()) {
    if (
      /^(node:)?assert(\/strict)?$/.test(b.spec) &&
      (b.imported === 'default' || b.imported === '*' || b.imported === 'strict')
    )
      return {
        kind: 'assert',
        name: b.local,
        strict: b.spec.endsWith('/strict') || b.imported === 'strict',
        binding: b,
      };
    if (b.local === 'expect' && (b.spec === 'vitest' || b.spec === '@jest/globals'))
      return { kind: 'expect', name: 'expect', strict: true, binding: b };
  }
  if ((style.framework === 'vitest' || style.framework === 'jest') && /\bexpect\(/.test(info.sf.text))
    return { kind: 'expect', name: 'expect', strict: true };
  return {
    kind: 'assert',
    name: 'assert',
    strict: true,
    binding: { local: 'assert', imported: 'default', spec: 'node:assert/strict', typeOnly: false },
  };
}

/** The test function a file uses (`it` or `test`) and where it comes from. */
export function testFnOf(info: TestFileInfo, style: TestStyle): { name: string; binding?: ImportBinding } {
  const it = (info.sf.text.match(/^\s*it\(/gm) ?? []).length;
  const test = (info.sf.text.match(/^\s*test\(/gm) ?? []).length;
  const name = test > it ? 'test' : 'it';
  const imported = info.imports.get(name);
  if (imported) return { name, binding: imported };
  const frameworkSpec: Record<string, string | undefined> = {
    'node:test': 'node:test',
    vitest: undefined,
    jest: undefined,
    mocha: undefined,
  };
  // A framework whose test files import their globals gets the import; globals stay globals.
  const fromFile = [...info.imports.values()].find(
    (b) => b.spec === 'node:test' || b.spec === 'vitest' || b.spec === '@jest/globals',
  );
  const spec = fromFile?.spec ?? frameworkSpec[style.framework];
  return spec ? { name, binding: { local: name, imported: name, spec, typeOnly: false } } : { name };
}

function expectationCode(
  e: Expectation,
  call: string,
  isAsync: boolean,
  lib: AssertLib,
  ts_: boolean,
  ind: string,
  semi: string,
): string[] {
  const a = lib.name;
  const target = (m?: string) =>
    m ? `${isAsync ? `(await ${call})` : call}.${m}` : isAsync ? `await ${call}` : call;
  if (lib.kind === 'assert') {
    switch (e.kind) {
      case 'no-throw':
        return [
          isAsync
            ? `await ${a}.doesNotReject(() => ${call})${semi}`
            : `${a}.doesNotThrow(() => ${call})${semi}`,
        ];
      case 'throws': {
        const cls = e.errorClass ? `, ${e.errorClass}` : '';
        return [
          isAsync
            ? `await ${a}.rejects(() => ${call}${cls})${semi}`
            : `${a}.throws(() => ${call}${cls})${semi}`,
        ];
      }
      case 'not-error':
        return [
          `let thrown${ts_ ? ': unknown' : ''}${semi}`,
          `try {`,
          `${ind}${isAsync ? 'await ' : ''}${call}${semi}`,
          `} catch (error) {`,
          `${ind}thrown = error${semi}`,
          `}`,
          `${a}.ok(!(thrown instanceof ${e.errorClass}), String(thrown))${semi}`,
        ];
      case 'equal':
        return [`${a}.${lib.strict ? 'equal' : 'strictEqual'}(${target(e.member)}, ${e.literal})${semi}`];
      case 'not-equal':
        return [
          `${a}.${lib.strict ? 'notEqual' : 'notStrictEqual'}(${target(e.member)}, ${e.literal})${semi}`,
        ];
    }
  }
  switch (e.kind) {
    case 'no-throw':
      return [
        isAsync
          ? `await expect(${call}).resolves.not.toThrow()${semi}`
          : `expect(() => ${call}).not.toThrow()${semi}`,
      ];
    case 'throws': {
      const cls = e.errorClass ?? '';
      return [
        isAsync
          ? `await expect(${call}).rejects.toThrow(${cls})${semi}`
          : `expect(() => ${call}).toThrow(${cls})${semi}`,
      ];
    }
    case 'not-error':
      return isAsync
        ? [
            `await expect(${call}.then(() => false, (error${ts_ ? ': unknown' : ''}) => error instanceof ${e.errorClass})).resolves.toBe(false)${semi}`,
          ]
        : [`expect(() => ${call}).not.toThrow(${e.errorClass})${semi}`];
    case 'equal':
      return [`expect(${target(e.member)}).toBe(${e.literal})${semi}`];
    case 'not-equal':
      return [`expect(${target(e.member)}).not.toBe(${e.literal})${semi}`];
  }
}

function importLines(bindings: Array<ImportBinding>, quote: "'" | '"', semi: string): string[] {
  const bySpec = new Map<string, ImportBinding[]>();
  for (const b of bindings) {
    const list = bySpec.get(b.spec) ?? [];
    if (!list.some((x) => x.local === b.local)) list.push(b);
    bySpec.set(b.spec, list);
  }
  const out: string[] = [];
  for (const [spec, list] of bySpec) {
    const s = stringLiteral(spec, quote);
    const req = list.find((b) => b.require)?.require;
    if (req) {
      for (const b of list.filter((x) => x.imported === '*' || x.imported === 'default'))
        out.push(`${req} ${b.local} = require(${s})${semi}`);
      const named = list.filter((x) => x.imported !== '*' && x.imported !== 'default' && !x.typeOnly);
      if (named.length > 0)
        out.push(
          `${req} { ${named.map((b) => (b.imported === b.local ? b.local : `${b.imported}: ${b.local}`)).join(', ')} } = require(${s})${semi}`,
        );
      continue;
    }
    const def = list.find((b) => b.imported === 'default');
    const ns = list.find((b) => b.imported === '*');
    const named = list
      .filter((b) => b.imported !== 'default' && b.imported !== '*')
      .sort((x, y) => x.local.localeCompare(y.local));
    const allTypes = named.length > 0 && named.every((b) => b.typeOnly) && !def && !ns;
    const names = named.map(
      (b) =>
        `${b.typeOnly && !allTypes ? 'type ' : ''}${b.imported === b.local ? b.local : `${b.imported} as ${b.local}`}`,
    );
    const parts = [
      def?.local,
      ns ? `* as ${ns.local}` : undefined,
      names.length > 0 ? `{ ${names.join(', ')} }` : undefined,
    ].filter(Boolean);
    if (ns && names.length > 0) {
      out.push(`import ${[def?.local, `* as ${ns.local}`].filter(Boolean).join(', ')} from ${s}${semi}`);
      out.push(`import ${allTypes ? 'type ' : ''}{ ${names.join(', ')} } from ${s}${semi}`);
    } else out.push(`import ${allTypes ? 'type ' : ''}${parts.join(', ')} from ${s}${semi}`);
  }
  // Bare modules first (node:, packages), then relative ones, as most style guides order them.
  const specOf = (line: string) => /(?:from |require\()(['"])(.*)\1/.exec(line)?.[2] ?? '';
  const rank = (line: string) => Number(specOf(line).startsWith('.'));
  return out.sort(
    (x, y) => rank(x) - rank(y) || (specOf(x) < specOf(y) ? -1 : specOf(x) > specOf(y) ? 1 : 0),
  );
}

export interface Rendered {
  path: string;
  text: string;
  testName: string;
}

/** The test file's name: next to the imitated file, with its suffix, named after the incident (safe characters only). */
export function testPathFor(
  styleFile: string,
  incidentId: string,
  testFiles: readonly string[] = [],
): string {
  const m = /^(.*\/)?[^/]*?((?:\.(?:test|spec))?\.[cm]?[jt]sx?)$/.exec(styleFile);
  const dir = m?.[1] ?? '';
  let suffix = m?.[2] ?? '.test.ts';
  // A helper file (test/harness.ts) lends its folder; the name takes the suffix most tests there carry.
  if (!/^\.(test|spec)\./.test(suffix)) {
    const counts = new Map<string, number>();
    for (const f of testFiles) {
      const x = /(\.(?:test|spec)\.[cm]?[jt]sx?)$/.exec(f)?.[1];
      if (x && f.startsWith(dir)) counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    suffix = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? suffix;
  }
  const slug =
    incidentId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'incident';
  return `${dir}regression-${slug}${suffix}`;
}

/**
 * Picks the test file to imitate and the donor call, and writes the test. `candidates` are the repository's test
 * files with their text; returns the rendered file or why it cannot be written.
 */
export function renderTest(
  plan: Plan,
  candidates: TestFileInfo[],
  style: TestStyle,
  incidentId: string,
  files: ReadonlySet<string>,
  /** plan.file and the barrels that re-export the entry (or its class) under the same name. */
  targets: ReadonlySet<string> = new Set([plan.file]),
): Rendered | string {
  // Test files that import the function under test: their calls are donors, their imports the specifiers to use.
  // A method is reached through an instance the donor builds: files that import from its module are searched
  // for `receiver.method(...)`, and nothing is imported for the method itself.
  const method = isPublicMethod(plan.entry);
  const exported = method ? undefined : exportNameOf(plan.entry);
  if (!method && !exported) return `${plan.entryName} is not exported`;
  const reach = (c: TestFileInfo) => (exported ? calleeIn(c, exported, targets, files) : undefined);
  const importing = method
    ? candidates.filter((c) => [...targets].some((t) => specifierIn(c, t, files) !== undefined))
    : candidates.filter((c) => reach(c) !== undefined);
  const donors = importing.flatMap((c) =>
    method ? donorsIn(c, plan.entryName, true) : donorsIn(c, reach(c)!.callee.replace(/\s+/g, '')),
  );
  if (method && donors.length === 0) return `no test builds an instance to call ${plan.entryName} on`;
  donors.sort(
    (a, b) =>
      a.locals.length + a.helpers.length - (b.locals.length + b.helpers.length) ||
      a.call.getText().length - b.call.getText().length,
  );
  const donor = donors.find((d) => donorFits(plan, d));
  if (method && !donor)
    return `no test calls ${plan.entryName} with arguments the failing input can be set in`;
  const home =
    donor?.file ??
    importing[0] ??
    candidates.find((c) => /\.[cm]?tsx?$/.test(c.path) === /\.[cm]?tsx?$/.test(plan.file)) ??
    candidates[0];
  if (!home) return 'no test file to imitate';
  const quote = style.quote;
  const args = argumentsFor(plan, donor, quote);
  if (typeof args === 'string') return args;
  const path = testPathFor(home.path, incidentId, style.testFiles);
  if (files.has(path)) return `${path} exists already`;
  const semi = style.semicolons ? ';' : '';
  const ind = style.indent;
  const isTs = /\.[cm]?tsx?$/.test(path);

  const convention = relativeConvention(home);
  const specFor = (file: string) =>
    specifierIn(home, file, files) ?? specifierFor(path, file, { extension: convention });
  // CommonJS test files get `require`s, in the declaration keyword they use.
  const requireKeyword = [...home.imports.values()].find((b) => b.require)?.require;
  const cjs = !!requireKeyword && !home.sf.statements.some((st) => ts.isImportDeclaration(st));
  const reached = reach(home);
  let callee = donor?.callee ?? reached?.callee;
  const needs: ImportNeed[] = [
    ...plan.overrides.flatMap((o) => o.imports),
    ...(plan.expectation.kind === 'throws' ? (plan.expectation.imports ?? []) : []),
  ];
  if (!method && !callee && exported) {
    // The home file does not import the module: a named import (or the required module itself).
    const local = exported.module || exported.name === 'default' ? plan.entryName : exported.name;
    needs.push({
      name: local,
      imported: exported.module ? (cjs ? '*' : 'default') : exported.name,
      file: plan.file,
    });
    callee = local;
  }
  const bindings: ImportBinding[] = needs.map((n) => ({
    local: n.name,
    imported: n.imported,
    spec: specFor(n.file),
    typeOnly: false,
    ...(cjs ? { require: requireKeyword } : {}),
  }));
  if (reached && !donor) bindings.push(reached.binding);
  const fromHome = (b: ImportBinding | undefined) => !!b && [...home.imports.values()].includes(b);
  let lib = assertLibOf(home, style);
  if (cjs && lib.binding && !fromHome(lib.binding))
    lib = {
      ...lib,
      strict: false,
      binding: { local: lib.name, imported: '*', spec: 'assert', typeOnly: false, require: requireKeyword },
    };
  let testFn = testFnOf(home, style);
  if (cjs && testFn.binding && !fromHome(testFn.binding))
    testFn = { ...testFn, binding: { ...testFn.binding, require: requireKeyword } };
  if (lib.binding) bindings.push(lib.binding);
  if (testFn.binding) bindings.push(testFn.binding);
  if (donor) bindings.push(...donor.imports);
  // The donor's own names win over a plan import of the same name only when they are the same binding.
  const locals = new Map<string, ImportBinding>();
  for (const b of bindings) {
    const prior = locals.get(b.local);
    if (prior && (prior.spec !== b.spec || prior.imported !== b.imported))
      return `the name ${b.local} would be imported twice with different meanings`;
    locals.set(b.local, prior && !prior.typeOnly ? prior : b);
  }

  const call = `${callee ?? plan.entryName}(${args.join(', ')})`;
  const isAsync = isAsyncFn(plan.entry);
  const testName = `regression ${incidentId}: ${plan.what}`;
  const body = [
    ...(donor?.locals ?? []).map((s) => dedent(s.getText(), s)),
    ...expectationCode(plan.expectation, call, isAsync, lib, isTs, ind, semi),
  ];
  const lines = [
    ...importLines([...locals.values()], quote, semi),
    '',
    ...(donor?.helpers.length ? [...donor.helpers.map((s) => s.getText()), ''] : []),
    `${testFn.name}(${stringLiteral(testName, quote)}, ${isAsync ? 'async ' : ''}() => {`,
    ...body.flatMap((b) => b.split('\n')).map((l) => (l === '' ? '' : `${ind}${l}`)),
    `})${semi}`,
    '',
  ];
  return { path, text: lines.join('\n'), testName };
}

/** Whether the test file writes relative imports with `.js`, with the source extension, or without one. */
function relativeConvention(info: TestFileInfo): 'js' | 'same' | 'none' {
  const rel = [...info.imports.values()].map((b) => b.spec).filter((s) => s.startsWith('.'));
  if (rel.some((s) => /\.[cm]?js$/.test(s))) return 'js';
  if (rel.some((s) => /\.[cm]?tsx?$/.test(s))) return 'same';
  return rel.length > 0 ? 'none' : 'js';
}

/**
 * A statement's text with its own indentation removed (the caller indents it for the test body); its continuation
 * lines keep their indentation relative to the first line.
 */
function dedent(text: string, node: ts.Node): string {
  const sf = node.getSourceFile();
  const col = sf.getLineAndCharacterOfPosition(node.getStart()).character;
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.startsWith(' '.repeat(col)) ? l.slice(col) : l.trimStart()))
    .join('\n');
}
