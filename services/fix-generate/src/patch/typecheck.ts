import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const MAX_DIAGNOSTICS = 50;

export interface Diagnostic {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

export interface SyntaxCheck {
  tool: string;
  ok: boolean;
  files: number;
  diagnostics: Diagnostic[];
}

/**
 * The application's dependencies for type-checking, installed once per lockfile into the stage's work folder and
 * linked into each worktree. `npm ci --ignore-scripts`: packages are unpacked, none of their install scripts run
 * (the platform does not run code it did not write outside validation's sandbox).
 */
export async function linkDependencies(treeDir: string, depsRoot: string): Promise<string | null> {
  const lock = await readFile(join(treeDir, 'package-lock.json'), 'utf8').catch(() => null);
  if (lock === null) return 'no package-lock.json: dependencies not installed, type-check without them';
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 24);
  const target = join(depsRoot, key);
  if (!existsSync(join(target, 'node_modules'))) {
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await mkdir(tmp, { recursive: true });
    try {
      await cp(join(treeDir, 'package.json'), join(tmp, 'package.json'));
      await writeFile(join(tmp, 'package-lock.json'), lock);
      await run('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: tmp,
        timeout: 600_000,
        maxBuffer: 64 << 20,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? tmp,
          npm_config_update_notifier: 'false',
        },
      });
      await rename(tmp, target).catch(async (e: NodeJS.ErrnoException) => {
        if (!existsSync(join(target, 'node_modules'))) throw e;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const link = join(treeDir, 'node_modules');
  if (!existsSync(link)) await symlink(join(target, 'node_modules'), link, 'dir');
  return null;
}

const rel = (dir: string, file: string) => relative(dir, file).replace(/\\/g, '/');

function toDiagnostic(dir: string, d: ts.Diagnostic): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 500);
  if (!d.file || d.start === undefined) return { file: '(program)', line: null, column: null, message };
  const pos = d.file.getLineAndCharacterOfPosition(d.start);
  return { file: rel(dir, d.file.fileName), line: pos.line + 1, column: pos.character + 1, message };
}

/**
 * Type-checks the changed TypeScript files with the application's own tsconfig.json (the whole program is built,
 * as the compiler needs it; only the changed files' errors count, so an error the base commit already had is not
 * blamed on the patch). Without a tsconfig, each changed file is parsed for syntax errors only.
 */
export function typeCheck(dir: string, changed: readonly string[]): SyntaxCheck {
  const code = changed.filter((f) => /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(f));
  const configPath = join(dir, 'tsconfig.json');
  if (!existsSync(configPath)) return parseOnly(dir, code);
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    { noEmit: true },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!parsed) return parseOnly(dir, code);
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: { ...parsed.options, noEmit: true },
  });
  const diagnostics: Diagnostic[] = [];
  let files = 0;
  for (const f of code) {
    const sf = program.getSourceFile(join(dir, f));
    if (!sf) continue;
    files++;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)])
      if (d.category === ts.DiagnosticCategory.Error) diagnostics.push(toDiagnostic(dir, d));
  }
  return {
    tool: 'tsc --noEmit (application tsconfig)',
    ok: diagnostics.length === 0,
    files,
    diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS),
  };
}

export function parseOnly(dir: string, files: readonly string[]): SyntaxCheck {
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const text = ts.sys.readFile(join(dir, f));
    if (text === undefined) continue;
    const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const parse = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    for (const d of parse) diagnostics.push(toDiagnostic(dir, { ...d, file: sf }));
  }
  return {
    tool: 'typescript parser',
    ok: diagnostics.length === 0,
    files: files.length,
    diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS),
  };
}
