import ts from 'typescript';
import { parse } from './ast.js';
import { resolveSpecifier } from './style.js';

/**
 * Donor calls: where the application's own tests already call the function a regression test must call. Their
 * argument expressions are valid inputs that reach the function (the tests pass), and the statements they need
 * (local constants, the file's helpers and imports) are the setup the new test copies.
 */

export interface ImportBinding {
  local: string;
  /** `default`, `*`, or the exported name. */
  imported: string;
  spec: string;
  typeOnly: boolean;
  /** A CommonJS `require` (with the declaration keyword the file uses), not an ES import. */
  require?: 'const' | 'let' | 'var';
}

export interface TestFileInfo {
  path: string;
  sf: ts.SourceFile;
  imports: Map<string, ImportBinding>;
}

export interface Donor {
  file: TestFileInfo;
  call: ts.CallExpression;
  /** The callee as the test file names it. */
  callee: string;
  /** Statements of the donor's test body the arguments depend on, in source order. */
  locals: ts.Statement[];
  /** Top-level statements of the test file the arguments (or those statements) depend on, in source order. */
  helpers: ts.Statement[];
  imports: ImportBinding[];
}

export function testFileInfo(path: string, text: string): TestFileInfo {
  const sf = parse(path, text);
  const imports = new Map<string, ImportBinding>();
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || !s.importClause) continue;
    const spec = s.moduleSpecifier.text;
    const all = s.importClause.isTypeOnly;
    if (s.importClause.name)
      imports.set(s.importClause.name.text, {
        local: s.importClause.name.text,
        imported: 'default',
        spec,
        typeOnly: all,
      });
    const b = s.importClause.namedBindings;
    if (b && ts.isNamespaceImport(b))
      imports.set(b.name.text, { local: b.name.text, imported: '*', spec, typeOnly: all });
    if (b && ts.isNamedImports(b))
      for (const el of b.elements)
        imports.set(el.name.text, {
          local: el.name.text,
          imported: (el.propertyName ?? el.name).text,
          spec,
          typeOnly: all || el.isTypeOnly,
        });
  }
  // CommonJS: `const x = require('m')`, `const { a, b: c } = require('m')`, `var y = require('m').y`.
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s)) continue;
    const flags = s.declarationList.flags;
    const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    for (const d of s.declarationList.declarations) {
      let init = d.initializer;
      let member: string | undefined;
      if (init && ts.isPropertyAccessExpression(init)) {
        member = init.name.text;
        init = init.expression;
      }
      if (
        !init ||
        !ts.isCallExpression(init) ||
        !ts.isIdentifier(init.expression) ||
        init.expression.text !== 'require'
      )
        continue;
      const arg = init.arguments[0];
      if (!arg || !ts.isStringLiteralLike(arg)) continue;
      const spec = arg.text;
      if (ts.isIdentifier(d.name))
        imports.set(d.name.text, {
          local: d.name.text,
          imported: member ?? '*',
          spec,
          typeOnly: false,
          require: keyword,
        });
      else if (ts.isObjectBindingPattern(d.name) && !member)
        for (const el of d.name.elements)
          if (ts.isIdentifier(el.name) && !el.dotDotDotToken)
            imports.set(el.name.text, {
              local: el.name.text,
              imported: el.propertyName ? el.propertyName.getText() : el.name.text,
              spec,
              typeOnly: false,
              require: keyword,
            });
    }
  }
  return { path, sf, imports };
}

/**
 * The callee text by which a test file reaches an exported function of `target`: a named import or destructured
 * require (`f`), a namespace import or required module (`m.f`), a default import or the required module itself.
 * Undefined when the file does not import that module.
 */
export function calleeIn(
  info: TestFileInfo,
  exported: { name: string; module?: true },
  targets: ReadonlySet<string>,
  files: ReadonlySet<string>,
): { callee: string; binding: ImportBinding } | undefined {
  for (const b of info.imports.values()) {
    if (b.typeOnly || !targets.has(resolveSpecifier(info.path, b.spec, files) ?? '')) continue;
    if (exported.module) {
      if (b.imported === '*' && b.require) return { callee: b.local, binding: b };
      if (b.imported === 'default') return { callee: b.local, binding: b };
      continue;
    }
    if (b.imported === exported.name) return { callee: b.local, binding: b };
    if (b.imported === '*') return { callee: `${b.local}.${exported.name}`, binding: b };
  }
  return undefined;
}

/** The specifier a test file already uses for a repository file, if it imports from it. */
export function specifierIn(
  info: TestFileInfo,
  target: string,
  files: ReadonlySet<string>,
): string | undefined {
  for (const b of info.imports.values())
    if (resolveSpecifier(info.path, b.spec, files) === target) return b.spec;
  return undefined;
}

/** Identifiers an AST reads (not property names, not names it declares itself). */
function freeNames(node: ts.Node): Set<string> {
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      if (ts.isPropertyAccessExpression(p) && p.name === n) return;
      if (
        (ts.isPropertyAssignment(p) ||
          ts.isPropertySignature(p) ||
          ts.isMethodDeclaration(p) ||
          ts.isPropertyDeclaration(p)) &&
        p.name === n
      )
        return;
      if (ts.isQualifiedName(p) && p.right === n) return;
      if (
        (ts.isParameter(p) ||
          ts.isVariableDeclaration(p) ||
          ts.isBindingElement(p) ||
          ts.isFunctionDeclaration(p) ||
          ts.isTypeParameterDeclaration(p) ||
          ts.isInterfaceDeclaration(p) ||
          ts.isTypeAliasDeclaration(p) ||
          ts.isClassDeclaration(p)) &&
        p.name === n
      ) {
        declared.add(n.text);
        return;
      }
      if (ts.isBindingElement(p) && p.propertyName === n) return;
      used.add(n.text);
      return;
    }
    n.forEachChild(visit);
  };
  visit(node);
  for (const d of declared) used.delete(d);
  return used;
}

/** Names a top-level statement declares. */
function declaredBy(s: ts.Statement): string[] {
  if (ts.isVariableStatement(s))
    return s.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  if (
    (ts.isFunctionDeclaration(s) ||
      ts.isClassDeclaration(s) ||
      ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) ||
      ts.isEnumDeclaration(s)) &&
    s.name
  )
    return [s.name.text];
  return [];
}

/** A call inside an assertion that it throws: those arguments are inputs the function refuses. */
function insideThrowAssertion(call: ts.Node): boolean {
  for (let p = call.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isCallExpression(p)) {
      const callee = p.expression.getText();
      if (/(^|\.)(throws|rejects|toThrow\w*|toReject\w*|rejectedWith|throw)$/.test(callee)) return true;
      // expect(() => f()).toThrow(): the arrow is expect's argument; the matcher is further up the chain.
      if (/^expect$/.test(callee)) {
        const chain = p.parent?.parent;
        if (chain && /\.(not\.)?(toThrow|rejects)/.test(chain.getText())) return true;
      }
    }
  }
  return false;
}

/**
 * Donor calls of `callee` in one test file, each with the statements it needs; calls whose arguments read loop
 * variables or callback parameters are left out (their values are not in the source).
 */
export function donorsIn(info: TestFileInfo, callee: string, method = false): Donor[] {
  const out: Donor[] = [];
  const top = new Map<string, ts.Statement>();
  for (const s of info.sf.statements) for (const n of declaredBy(s)) top.set(n, s);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && !insideThrowAssertion(n)) {
      const e = n.expression;
      if (
        !method &&
        (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) &&
        e.getText().replace(/\s+/g, '') === callee
      ) {
        const d = resolveDeps(n, [e], info, top);
        if (d) out.push({ file: info, call: n, callee, ...d });
      }
      // A method: `receiver.method(...)`; the receiver's construction is part of the setup to copy.
      if (method && ts.isPropertyAccessExpression(e) && !e.questionDotToken && e.name.text === callee) {
        const d = resolveDeps(n, [e.expression], info, top);
        if (d) out.push({ file: info, call: n, callee: `${e.expression.getText()}.${callee}`, ...d });
      }
    }
    n.forEachChild(visit);
  };
  visit(info.sf);
  return out;
}

function resolveDeps(
  call: ts.CallExpression,
  extraRoots: ts.Expression[],
  info: TestFileInfo,
  top: Map<string, ts.Statement>,
): Pick<Donor, 'locals' | 'helpers' | 'imports'> | undefined {
  const locals = new Set<ts.Statement>();
  const helpers = new Set<ts.Statement>();
  const imports = new Map<string, ImportBinding>();
  const pending: Array<{ names: Set<string>; at: ts.Node }> = [];
  for (const a of [...extraRoots, ...call.arguments]) pending.push({ names: freeNames(a), at: call });
  while (pending.length > 0) {
    const { names, at } = pending.pop()!;
    for (const name of names) {
      const local = localDeclaration(name, at);
      if (local === 'unusable') return undefined;
      if (local) {
        if (!locals.has(local)) {
          locals.add(local);
          pending.push({ names: freeNames(local), at: local });
        }
        continue;
      }
      // Imports first: a CommonJS `require` is also a top-level declaration.
      const imp = info.imports.get(name);
      if (imp) {
        imports.set(name, imp);
        continue;
      }
      const t = top.get(name);
      if (t && !helpers.has(t)) {
        helpers.add(t);
        pending.push({ names: freeNames(t), at: t });
      }
      // Anything else is a global (Date, JSON, undefined, ...).
    }
  }
  const order = (a: ts.Node, b: ts.Node) => a.getStart() - b.getStart();
  return {
    locals: [...locals].sort(order),
    helpers: [...helpers].sort(order),
    imports: [...imports.values()],
  };
}

/**
 * The statement of an enclosing function body that declares `name` before `at`; 'unusable' when the name is a
 * parameter or loop variable of an enclosing function or loop (its value is not in the source), undefined when
 * it is not declared locally.
 */
function localDeclaration(name: string, at: ts.Node): ts.Statement | 'unusable' | undefined {
  for (let p: ts.Node | undefined = at.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (
      (ts.isArrowFunction(p) || ts.isFunctionExpression(p) || ts.isFunctionDeclaration(p)) &&
      p.parameters.some((q) => q.name.getText() === name)
    )
      return 'unusable';
    if (
      (ts.isForOfStatement(p) || ts.isForInStatement(p) || ts.isForStatement(p)) &&
      p.initializer &&
      ts.isVariableDeclarationList(p.initializer)
    ) {
      if (p.initializer.declarations.some((d) => boundNames(d.name).includes(name))) return 'unusable';
    }
    if (ts.isBlock(p)) {
      for (const s of p.statements) {
        if (s.getStart() >= at.getStart()) break;
        if (
          ts.isVariableStatement(s) &&
          s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)
        ) {
          // Only constants: a `let` may change between its declaration and the call.
          return s.declarationList.flags & ts.NodeFlags.Const ? s : 'unusable';
        }
        if (ts.isFunctionDeclaration(s) && s.name?.text === name) return s;
      }
    }
  }
  return undefined;
}

function boundNames(n: ts.BindingName): string[] {
  if (ts.isIdentifier(n)) return [n.text];
  return n.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

/**
 * The module and the barrels that re-export `name` from it unchanged (`export * from`, `export { name } from`), up
 * to three levels: tests of a library often import its index rather than the file that defines the function.
 * `candidates` are the modules the test files import.
 */
export async function reexporters(
  target: string,
  name: string,
  candidates: Iterable<string>,
  read: (path: string) => Promise<string | undefined>,
  files: ReadonlySet<string>,
): Promise<Set<string>> {
  const out = new Set([target]);
  const memo = new Map<string, boolean>();
  const reaches = async (file: string, depth: number): Promise<boolean> => {
    if (file === target) return true;
    if (depth > 3 || !/\.[cm]?[jt]sx?$/.test(file)) return false;
    const known = memo.get(file);
    if (known !== undefined) return known;
    memo.set(file, false); // cycles end here
    const text = await read(file);
    let found = false;
    if (text !== undefined)
      for (const st of parse(file, text).statements) {
        if (
          !ts.isExportDeclaration(st) ||
          !st.moduleSpecifier ||
          !ts.isStringLiteral(st.moduleSpecifier) ||
          st.isTypeOnly
        )
          continue;
        const names =
          st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : undefined;
        if (st.exportClause && !names) continue; // `export * as ns from`: a different name
        if (names && !names.some((e) => e.name.text === name && (e.propertyName ?? e.name).text === name))
          continue;
        const next = resolveSpecifier(file, st.moduleSpecifier.text, files);
        if (next && (await reaches(next, depth + 1))) {
          found = true;
          break;
        }
      }
    memo.set(file, found);
    return found;
  };
  for (const c of candidates) if (c !== target && (await reaches(c, 0))) out.add(c);
  return out;
}
