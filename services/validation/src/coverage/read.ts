import { constants } from 'node:fs';
import { open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import { mergeBlocks } from './blocks.js';
import { mergeFileCoverage } from './merge.js';
import { remapScript, type Segment } from './remap.js';
import type { FileCoverage, V8Script } from './types.js';
import { parseV8Coverage } from './v8.js';

/** Everything read here was written or chosen by the application under test: sizes are capped, paths confined. */
export const READ_LIMITS = {
  coverageFiles: 10_000,
  coverageFileBytes: 256 * 1024 * 1024,
  scriptBytes: 16 * 1024 * 1024,
  sourceMapBytes: 64 * 1024 * 1024,
  sourceBytes: 16 * 1024 * 1024,
};

export interface CoverageOptions {
  /**
   * Generated scripts (absolute or relative to the root) to count as loaded-and-never-run when no process loaded
   * them, so the whole tree's figure includes files no test touches (c8's --all). Usually the build's output files.
   */
  allScripts?: readonly string[];
}

/**
 * Line and branch coverage of the repository's source files from the NODE_V8_COVERAGE files in `dir`, merged over
 * every process. Only scripts whose real path is inside `root` are read (a url elsewhere, a symlink out, a source map
 * or source path that climbs out are ignored), node_modules never; `include` decides which original files (paths
 * relative to the root) are reported.
 */
export async function coverageFromV8(
  dir: string,
  root: string,
  include: (relPath: string) => boolean,
  options: CoverageOptions = {},
): Promise<FileCoverage[]> {
  const rootReal = await realpath(root);
  const byScript = new Map<string, V8Script[]>();
  for (const file of await coverageFiles(dir)) {
    const text = await readCapped(path.join(dir, file), READ_LIMITS.coverageFileBytes);
    let scripts: V8Script[];
    try {
      scripts = parseV8Coverage(text);
    } catch {
      continue; // a process killed mid-write leaves a cut file: the others still count
    }
    for (const script of scripts) {
      const scriptPath = await scriptPathOf(script.url, rootReal);
      if (scriptPath === null) continue;
      byScript.set(scriptPath, [...(byScript.get(scriptPath) ?? []), script]);
    }
  }
  for (const extra of options.allScripts ?? []) {
    const scriptPath = await confined(path.resolve(rootReal, extra), rootReal);
    if (scriptPath !== null && !byScript.has(scriptPath)) byScript.set(scriptPath, []);
  }

  const files: FileCoverage[] = [];
  for (const [scriptPath, coverages] of [...byScript].sort((a, b) => a[0].localeCompare(b[0]))) {
    const generated = await readCapped(scriptPath, READ_LIMITS.scriptBytes).catch(() => null);
    if (generated === null) continue;
    const mapped = await sourceMapOf(scriptPath, generated, rootReal);
    const sources = await Promise.all(
      (mapped?.sources ?? [scriptPath]).map(async (source) => {
        if (source === null) return null;
        const file = toPosix(path.relative(rootReal, source));
        if (!include(file)) return null;
        const text = source === scriptPath ? generated : await readCapped(source, READ_LIMITS.sourceBytes).catch(() => null);
        return text === null ? null : { file, text };
      }),
    );
    if (sources.every((s) => s === null)) continue;
    files.push(...remapScript({ generated, blocks: mergeBlocks(coverages), mappings: mapped?.mappings ?? null, sources }));
  }
  return mergeFileCoverage(files);
}

async function coverageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  // Regular files only: a symlink placed here by the application could point anywhere.
  return entries
    .filter((e) => e.isFile() && /^coverage-[\w.-]+\.json$/.test(e.name))
    .map((e) => e.name)
    .sort()
    .slice(0, READ_LIMITS.coverageFiles);
}

/** The real path of a `file:` script url when it is inside the root and not a dependency's; null otherwise. */
async function scriptPathOf(url: string, rootReal: string): Promise<string | null> {
  if (!url.startsWith('file:')) return null; // node: internals, data: and eval'd code
  let p: string;
  try {
    p = fileURLToPath(url);
  } catch {
    return null;
  }
  if (p.split(path.sep).includes('node_modules')) return null;
  return confined(p, rootReal);
}

/** The real path of `p` when it exists and lies inside the root (symlinks resolved), else null. */
async function confined(p: string, rootReal: string): Promise<string | null> {
  const real = await realpath(p).catch(() => null);
  if (real === null) return null;
  const rel = path.relative(rootReal, real);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules')
    ? real
    : null;
}

const MAPPING_URL = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;

/**
 * The script's source map (a `sourceMappingURL` comment at its end: a data: url, or a file beside it inside the
 * root) as decoded mappings and the real path of each source (null for a source outside the root or missing).
 */
async function sourceMapOf(
  scriptPath: string,
  generated: string,
  rootReal: string,
): Promise<{ mappings: Segment[][]; sources: Array<string | null> } | null> {
  const tail = generated.slice(-4096).trimEnd().split('\n').at(-1) ?? '';
  const url = MAPPING_URL.exec(tail)?.[1];
  if (url === undefined) return null;
  let text: string | null;
  let mapPath: string;
  if (url.startsWith('data:')) {
    text = dataUrlText(url);
    mapPath = scriptPath;
  } else {
    let decoded: string;
    try {
      decoded = decodeURIComponent(url);
    } catch {
      return null;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(decoded)) return null; // http: and other schemes are never fetched
    const real = await confined(path.resolve(path.dirname(scriptPath), decoded), rootReal);
    if (real === null) return null;
    text = await readCapped(real, READ_LIMITS.sourceMapBytes).catch(() => null);
    mapPath = real;
  }
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as { sources?: unknown; sourceRoot?: unknown };
    if (!Array.isArray(raw.sources)) return null;
    const map = new TraceMap(text);
    const sourceRoot = typeof raw.sourceRoot === 'string' ? raw.sourceRoot : '';
    const sources = await Promise.all(
      raw.sources.map((s: unknown) =>
        typeof s === 'string' ? sourcePathOf(sourceRoot, s, path.dirname(mapPath), rootReal) : null,
      ),
    );
    return { mappings: decodedMappings(map) as unknown as Segment[][], sources };
  } catch {
    return null; // a malformed map: the script is left out rather than misattributed
  }
}

async function sourcePathOf(sourceRoot: string, source: string, mapDir: string, rootReal: string): Promise<string | null> {
  const joined = sourceRoot === '' ? source : `${sourceRoot.replace(/\/?$/, '/')}${source}`;
  let p: string;
  if (joined.startsWith('file:')) {
    try {
      p = fileURLToPath(joined);
    } catch {
      return null;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(joined)) {
    return null; // webpack:, http: and the like name nothing on this disk
  } else {
    p = path.resolve(mapDir, joined);
  }
  return confined(p, rootReal);
}

function dataUrlText(url: string): string | null {
  const comma = url.indexOf(',');
  if (comma < 0 || url.length > READ_LIMITS.sourceMapBytes * 2) return null;
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    return meta.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  } catch {
    return null;
  }
}

/** A file's text, refused when it is not a regular file or larger than `maxBytes`. */
export async function readCapped(file: string, maxBytes: number): Promise<string> {
  // Non-blocking open: a FIFO put where a file is expected must not hang the stage.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    if (stat.size > maxBytes) throw new Error(`${file} is ${stat.size} bytes, over the ${maxBytes} limit`);
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

const toPosix = (p: string): string => p.split(path.sep).join('/');
