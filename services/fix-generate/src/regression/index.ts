import ts from 'typescript';
import {
  changedLines,
  exportNameOf,
  isPublicMethod,
  functionName,
  functionsAtLines,
  isFunctionNode,
  parse,
  type FunctionNode,
  type Known,
} from './ast.js';
import { deriveBound, deriveGuard, type ChangedFunction, type Plan } from './derive.js';
import { reexporters, testFileInfo, type TestFileInfo } from './donor.js';
import { renderTest } from './render.js';
import { detectStyle, isSourceFile, resolveSpecifier, valueLiteral, type TestStyle } from './style.js';
import type { RegressionInput, RegressionOutcome } from './types.js';

export type { RegressionInput, RegressionOutcome, RegressionTest } from './types.js';
export { detectStyle, stringLiteral, type TestStyle, type Framework } from './style.js';

/**
 * The regression test of a candidate fix (issue #12, stage 4): from the functions the candidate changes and the
 * incident's error, an input on which the base code fails the way the incident did and the candidate does not,
 * written in the application's own test framework and style next to the test that already calls the function.
 * Derived statically: a guard's failing read (the error's property on a parameter's value, with the branch
 * conditions on the way set from the donor call's object), or a comparison's moved bound (called at the bound).
 * When nothing sound follows, the outcome says why: a test that cannot fail on the faulty code is worse than none.
 */
export async function generateRegressionTest(input: RegressionInput): Promise<RegressionOutcome> {
  try {
    return await generate(input);
  } catch (error) {
    // A candidate keeps its chance without a test: the stage records why there is none instead of failing.
    return {
      skippedReason: `regression test generation failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function generate(input: RegressionInput): Promise<RegressionOutcome> {
  const { repo, issue } = input;
  if (issue.kind === 'performance')
    return {
      skippedReason:
        'a latency regression needs a timing harness of the application; none is derived statically',
    };
  const style = await detectStyle(repo);
  if ('skippedReason' in style) return style;

  const changes = await changedFunctions(input);
  if (changes.length === 0)
    return {
      skippedReason:
        'the candidate changes no function of a source file (only tests, configuration or top-level code)',
    };

  const quoteLiteral = (v: Known): string | undefined =>
    'v' in v ? valueLiteral(v.v, style.quote) : undefined;
  const message = typeof issue.evidence['errorTemplate'] === 'string' ? issue.evidence['errorTemplate'] : '';
  const loggedValue = (prop: string): Known | undefined => {
    if (!prop) return undefined;
    for (const [k, v] of Object.entries(issue.evidence))
      if ((k === prop || k.endsWith(`.${prop}`)) && (typeof v === 'number' ? Number.isFinite(v) : true))
        return { v };
    return undefined;
  };

  // The innermost stack frame is in the deployed (base) code: the line of the failing access.
  const frameLine = (path: string) =>
    issue.innermostFrame?.path === path ? issue.innermostFrame.line : undefined;
  const reasons: string[] = [];
  const plans: Plan[] = [];
  for (const change of changes) {
    // A failing read is what an error incident is about; a moved bound fits any incident (a wrong answer or a 4xx).
    const attempts: Array<() => Plan | string | Promise<Plan | string>> =
      issue.kind === 'error'
        ? [
            () => deriveGuard(change, message, quoteLiteral, loggedValue, frameLine(change.file)),
            () => deriveBound(change, repo, quoteLiteral),
          ]
        : [() => deriveBound(change, repo, quoteLiteral)];
    for (const attempt of attempts) {
      const plan = await attempt();
      if (typeof plan === 'string') reasons.push(plan);
      else plans.push(plan);
    }
  }
  if (plans.length === 0) return { skippedReason: unique(reasons).join('; ') };

  const tests = await testFiles(repo, style, plans);
  // Modules the tests import, for finding barrels that re-export the function under test.
  const imported = new Set<string>();
  for (const t of tests)
    for (const b of t.imports.values()) {
      const f = resolveSpecifier(t.path, b.spec, repo.files);
      if (f) imported.add(f);
    }
  for (const plan of plans) {
    const exportedAs = isPublicMethod(plan.entry)
      ? ts.isClassDeclaration(plan.entry.parent)
        ? plan.entry.parent.name?.text
        : undefined
      : exportNameOf(plan.entry)?.name;
    const targets = exportedAs
      ? await reexporters(plan.file, exportedAs, imported, (p) => repo.read(p), repo.files)
      : new Set([plan.file]);
    const rendered = renderTest(plan, tests, style, input.incidentId, repo.files, targets);
    if (typeof rendered === 'string') {
      reasons.push(rendered);
      continue;
    }
    return {
      files: new Map([[rendered.path, rendered.text]]),
      testNames: [rendered.testName],
      framework: style.framework,
      rationale: plan.rationale,
    };
  }
  return { skippedReason: unique(reasons).join('; ') };
}

const unique = (xs: string[]) => [...new Set(xs)];

/** Larger files are generated or bundled code, not what a fix and its test are about. */
const MAX_SOURCE = 512 * 1024;

/** Named functions of a module, by name (methods as `Class.method`), the first of each name. */
function namedFunctions(sf: ts.SourceFile): Map<string, FunctionNode> {
  const out = new Map<string, FunctionNode>();
  const visit = (n: ts.Node): void => {
    if (isFunctionNode(n)) {
      const name = qualifiedName(n);
      if (name && !out.has(name)) out.set(name, n);
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

function qualifiedName(fn: FunctionNode): string | undefined {
  const name = functionName(fn);
  if (!name) return undefined;
  const cls = ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent) ? fn.parent.name?.text : undefined;
  return cls ? `${cls}.${name}` : name;
}

/** Functions the candidate changes, paired with their base version (by name), with the changed lines of each side. */
async function changedFunctions(input: RegressionInput): Promise<ChangedFunction[]> {
  const out: ChangedFunction[] = [];
  for (const [path, text] of input.candidate.files) {
    if (text === null || !isSourceFile(path) || text.length > MAX_SOURCE) continue;
    const before = await input.repo.read(path);
    if (before === undefined || before.length > MAX_SOURCE) continue;
    const lines = changedLines(before, text);
    const bsf = parse(path, before);
    const csf = parse(path, text);
    const baseFns = namedFunctions(bsf);
    const candFns = namedFunctions(csf);
    const names = new Set<string>();
    for (const fn of functionsAtLines(bsf, lines.before)) names.add(qualifiedName(fn) ?? '');
    for (const fn of functionsAtLines(csf, lines.after)) names.add(qualifiedName(fn) ?? '');
    for (const name of names) {
      const base = baseFns.get(name);
      if (!base) continue;
      // A function the candidate removes (a revert inlining it again) is compared with the candidate's module.
      const candidate = candFns.get(name) ?? csf;
      out.push({ file: path, base, candidate, baseLines: lines.before, candidateLines: lines.after });
    }
  }
  return out;
}

/** The repository's test files that mention a planned function, parsed (others are not read). */
async function testFiles(
  repo: RegressionInput['repo'],
  style: TestStyle,
  plans: Plan[],
): Promise<TestFileInfo[]> {
  const names = plans.map((p) => p.entryName);
  const out: TestFileInfo[] = [];
  let fallback: TestFileInfo | undefined;
  for (const path of style.testFiles.slice(0, 500)) {
    const text = await repo.read(path);
    if (text === undefined) continue;
    if (names.some((n) => text.includes(n))) out.push(testFileInfo(path, text));
    else if (!fallback && /\.(test|spec)\.[cm]?[jt]sx?$/.test(path)) fallback = testFileInfo(path, text);
  }
  if (out.length === 0 && fallback) out.push(fallback);
  return out;
}
