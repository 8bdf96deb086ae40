import { posix } from 'node:path';
import type { ChangeWindow, CodeModel, ScoredLine } from './types.js';

/**
 * Settings the evidence reads. A release that only changes a value (`paymentMaxAttempts: 3` to `1` in
 * `src/config.ts`) leaves no changed line on the stack or in the slow step: the code that fails reads the value, one
 * file away, and blaming the evidence lines finds nothing of the release. So a line of the deployment window that
 * gives a name a literal value (a property, a constant, a field) joins the evidence when an evidence line reads that
 * name and the two are linked in the code: the same file, or the evidence file imports the setting's file.
 *
 * The setting scores a share of the line that reads it (SETTING_SHARE), so where the release also changed the code
 * on the stack, that change keeps the lead; the window's weight (locate.ts) then raises the setting as a changed line.
 */
export const SETTING_SHARE = 0.2;

/** A changed line that gives a name a literal value. */
interface ChangedSetting {
  path: string;
  line: number;
  name: string;
}

const IDENT = /[A-Za-z_$][\w$]*/g;
const DECLARATION =
  /^(?:export\s+)?(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=|(?:(?:public|private|protected|readonly|static)\s+)*['"]?([A-Za-z_$][\w$]*)['"]?\??\s*[:=])\s*(.*)$/;
/** Values a setting is given: literals, and the usual ways of reading them from the environment. */
const LITERAL =
  /^(?:-?\.?\d|['"`[]|\/[^/*]|(?:true|false|null|undefined)\b|process\.env\b|(?:Number|parseInt|parseFloat|Boolean|String)\(|new (?:Set|Map)\(\[|Object\.freeze\()/;
/** Names too common to link a reading line to a setting by. */
const MIN_NAME_LENGTH = 3;

/** The name a changed line gives a literal value, if it does. */
export function settingDeclaredOn(text: string): string | null {
  const m = DECLARATION.exec(text.trim());
  if (!m) return null;
  const name = m[1] ?? m[2];
  const value = m[3]!.trim();
  if (!name || name.length < MIN_NAME_LENGTH || value.startsWith('=') || value.startsWith('>')) return null;
  return LITERAL.test(value) ? name : null;
}

const IMPORT_FROM = /\bfrom\s*['"](\.{1,2}\/[^'"]*)['"]|\brequire\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)/g;
const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '/index.ts', '/index.js'];

/** The repository files a module imports by relative specifier (a specifier leaving the repository resolves to nothing). */
export function importedFiles(path: string, text: string, files: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(IMPORT_FROM)) {
    const joined = posix.normalize(posix.join(posix.dirname(path), m[1] ?? m[2]!));
    if (joined.startsWith('../') || joined === '..') continue;
    // TypeScript sources import their siblings by the compiled name (`./config.js` for `./config.ts`)
    const stem = joined.replace(/\.(?:js|mjs|cjs|jsx)$/, '');
    const found = [joined, ...EXTENSIONS.map((e) => stem + e)].find((p) => files.has(p));
    if (found) out.add(found);
  }
  return out;
}

function changedSettings(code: CodeModel, window: ChangeWindow): Map<string, ChangedSetting[]> {
  const byName = new Map<string, ChangedSetting[]>();
  const seen = new Set<string>();
  for (const c of window.commits) {
    if (c.styleOnly) continue;
    for (const [path, touch] of c.touches) {
      const lines = code.text(path)?.split('\n');
      if (!lines) continue;
      for (const line of touch.lines) {
        const key = `${path}:${line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const name = settingDeclaredOn(lines[line - 1] ?? '');
        if (!name) continue;
        const list = byName.get(name) ?? [];
        list.push({ path, line, name });
        byName.set(name, list);
      }
    }
  }
  return byName;
}

/** The changed settings the evidence lines read, scored as a share of the strongest line reading each. */
export function settingsRead(
  lines: readonly ScoredLine[],
  code: CodeModel,
  window: ChangeWindow | null,
): ScoredLine[] {
  if (!window) return [];
  const settings = changedSettings(code, window);
  if (settings.size === 0) return [];
  const imports = new Map<string, Set<string>>();
  const importsOf = (path: string): Set<string> => {
    let found = imports.get(path);
    if (!found) {
      found = importedFiles(path, code.text(path) ?? '', code.files);
      imports.set(path, found);
    }
    return found;
  };
  const split = new Map<string, string[]>();
  const lineOf = (path: string, line: number): string | undefined => {
    let all = split.get(path);
    if (!all) split.set(path, (all = code.text(path)?.split('\n') ?? []));
    return all[line - 1];
  };
  const best = new Map<string, ScoredLine>();
  for (const l of lines) {
    if (l.score <= 0) continue;
    const text = lineOf(l.path, l.line);
    if (!text) continue;
    for (const [name] of text.matchAll(IDENT)) {
      for (const s of settings.get(name) ?? []) {
        if (s.path === l.path && s.line === l.line) continue;
        if (s.path !== l.path && !importsOf(l.path).has(s.path)) continue;
        const key = `${s.path}:${s.line}`;
        const score = SETTING_SHARE * l.score;
        if ((best.get(key)?.score ?? 0) >= score) continue;
        best.set(key, {
          path: s.path,
          line: s.line,
          score,
          why: `sets ${name}, which ${l.path}:${l.line} reads (${l.why})`,
        });
      }
    }
  }
  return [...best.values()];
}
