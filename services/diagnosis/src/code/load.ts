import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isSourcePath, type SourceText } from './source.js';

export interface LoadOptions {
  /** Files larger than this are generated or bundled code, not what a person wrote (default 1 MiB). */
  readonly maxBytes?: number;
  /** Stop after this many files (default 20 000). */
  readonly maxFiles?: number;
}

export interface LoadedSources {
  /** Repository-relative, '/'-separated paths, sorted. */
  readonly files: SourceText[];
  /** What was not read, and why (a link out of the repository, a file too large, the file limit). */
  readonly skipped: { readonly path: string; readonly reason: string }[];
}

/** Dependencies, build output, coverage reports and tool state: not the program's source. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'build', 'out', 'bower_components']);

function isInside(child: string, root: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Reads the JavaScript and TypeScript sources of a checkout. Files are only read, never run. Symbolic links are
 * followed only when they resolve inside the root; directories are visited once (a link loop ends), hidden
 * directories (`.git`, `.cache`) and dependency or build folders are skipped. Test files are read too: the
 * index flags them.
 */
export async function loadSources(root: string, options: LoadOptions = {}): Promise<LoadedSources> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const maxFiles = options.maxFiles ?? 20_000;
  const realRoot = await realpath(root);
  const files: SourceText[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const visited = new Set<string>();

  const readSource = async (abs: string, rel: string, size: number): Promise<void> => {
    if (files.length >= maxFiles) {
      skipped.push({ path: rel, reason: 'file limit' });
      return;
    }
    if (size > maxBytes || /\.min\.[cm]?js$/.test(rel)) {
      skipped.push({ path: rel, reason: 'too large or minified' });
      return;
    }
    const text = await readFile(abs, 'utf8');
    if (text.includes('\0')) skipped.push({ path: rel, reason: 'binary' });
    else files.push({ path: rel, text });
  };

  const walk = async (dir: string, relDir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      let info = await lstat(abs);
      let target = abs;
      if (info.isSymbolicLink()) {
        try {
          target = await realpath(abs);
        } catch {
          skipped.push({ path: rel, reason: 'broken link' });
          continue;
        }
        if (!isInside(target, realRoot)) {
          skipped.push({ path: rel, reason: 'link outside the repository' });
          continue;
        }
        info = await stat(target);
      }
      if (info.isDirectory()) {
        if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
        await walk(target, rel);
      } else if (info.isFile() && isSourcePath(rel)) {
        await readSource(target, rel, info.size);
      }
    }
  };

  await walk(realRoot, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}
