import ts from 'typescript';
import { SourceMapConsumer } from 'source-map-js';

/**
 * Stack frames of the running service, as telemetry stores them (`fn (file:line)`, innermost first), mapped to
 * lines of the repository at the deployed commit.
 *
 * A frame's path names a file on the production host (`/srv/checkout/releases/3f2a9c1/dist/src/checkout/flow.js`),
 * which is never read: only its trailing segments are looked up among the repository's own paths (from `git
 * ls-tree`), after the build's output folder is mapped back to the sources. A frame with a `..` segment or a NUL,
 * or whose path matches no file of the repository although it is not a dependency or a runtime frame, is refused
 * and counted. Compiled frames are mapped to source lines through source maps made here by transpiling the
 * repository's source at that commit with the repository's own compiler options: the same mapping its build
 * wrote, without running any of its code or installing anything.
 */
export interface RuntimeFrame {
  fn: string;
  file: string;
  line: number;
  /** 0 for the innermost frame. */
  depth: number;
}

export interface MappedFrame {
  fn: string;
  path: string;
  line: number;
  depth: number;
}

export interface FrameMapping {
  frames: MappedFrame[];
  /** Frames naming a place outside the repository (`../`, unknown absolute paths): refused, never read. */
  refused: number;
  /** Dependency and runtime frames (node_modules, node:internal): not the service's code. */
  external: number;
}

const STORED = /^(.*) \((.+):(\d+)\)$/;

export function parseStoredFrame(text: string, depth: number): RuntimeFrame | null {
  const m = STORED.exec(text.trim());
  if (!m) return null;
  const line = Number(m[3]);
  if (!Number.isSafeInteger(line) || line <= 0) return null;
  return { fn: m[1]!, file: m[2]!, line, depth };
}

const SOURCE_EXT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];

export interface SourceLayout {
  /** The build's output folder (catalogue `sourceMaps.outDir`), e.g. `dist`; null when sources run as they are. */
  outDir: string | null;
}

/**
 * Maps runtime frames to repository lines. `files` are the repository's paths; `readFile` gives a file's text at
 * the deployed commit (only for paths in `files`); `compilerOptions` are the repository's (tsconfig).
 */
export function mapRuntimeFrames(
  stored: readonly string[],
  files: ReadonlySet<string>,
  layout: SourceLayout,
  readFile: (path: string) => string | undefined,
  compilerOptions: ts.CompilerOptions = {},
): FrameMapping {
  return frameMapper(files, layout, readFile, compilerOptions)(stored);
}

/**
 * A mapper for many stacks of one repository: the index of its paths and the source maps of its files are made
 * once, on first use, and serve every stack of the incident.
 */
export function frameMapper(
  files: ReadonlySet<string>,
  layout: SourceLayout,
  readFile: (path: string) => string | undefined,
  compilerOptions: ts.CompilerOptions = {},
): (stored: readonly string[]) => FrameMapping {
  let bySuffix: Map<string, string[]> | undefined;
  const maps = new Map<string, Map<number, number> | null>();
  return (stored) =>
    mapWith(stored, (bySuffix ??= suffixIndex(files)), maps, layout, readFile, compilerOptions);
}

function mapWith(
  stored: readonly string[],
  bySuffix: Map<string, string[]>,
  maps: Map<string, Map<number, number> | null>,
  layout: SourceLayout,
  readFile: (path: string) => string | undefined,
  compilerOptions: ts.CompilerOptions,
): FrameMapping {
  const out: MappedFrame[] = [];
  let refused = 0;
  let external = 0;
  stored.forEach((text, depth) => {
    const frame = parseStoredFrame(text, depth);
    if (!frame) return;
    const file = frame.file.replace(/\\/g, '/').replace(/^file:\/\//, '');
    if (/^(node:|internal\/)|^native$|<anonymous>/.test(file) || file.split('/').includes('node_modules')) {
      external++;
      return;
    }
    if (file.includes('\0') || file.split('/').includes('..') || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
      refused++;
      return;
    }
    const located = locateFile(file, bySuffix, layout);
    if (!located) {
      refused++;
      return;
    }
    let line = frame.line;
    if (located.compiled) {
      let lines = maps.get(located.path);
      if (lines === undefined) {
        const text = readFile(located.path);
        lines = text === undefined ? null : generatedToSourceLines(located.path, text, compilerOptions);
        maps.set(located.path, lines);
      }
      const mapped = lines?.get(frame.line);
      if (mapped === undefined) return; // a line the build added (helpers): nothing of the source to show
      line = mapped;
    }
    out.push({ fn: frame.fn, path: located.path, line, depth: frame.depth });
  });
  // Depths renumbered over the kept frames: 0 is the innermost frame in the service's own code.
  return { frames: out.map((f, i) => ({ ...f, depth: i })), refused, external };
}

/** Repository paths by every trailing run of segments ("flow.ts", "checkout/flow.ts", "src/checkout/flow.ts"). */
function suffixIndex(files: ReadonlySet<string>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const path of files) {
    const segs = path.split('/');
    for (let i = 0; i < segs.length; i++) {
      const key = segs.slice(i).join('/');
      const list = index.get(key);
      if (list) list.push(path);
      else index.set(key, [path]);
    }
  }
  return index;
}

function stripExt(p: string): string {
  const dot = p.lastIndexOf('.');
  return dot > p.lastIndexOf('/') ? p.slice(0, dot) : p;
}

/**
 * The repository file a runtime path names: the longest trailing run of its segments that is a repository file,
 * as it is or, under the output folder, as the source it was compiled from (any source extension).
 */
function locateFile(
  file: string,
  bySuffix: Map<string, string[]>,
  layout: SourceLayout,
): { path: string; compiled: boolean } | null {
  const segs = file.split('/').filter((s) => s !== '' && s !== '.');
  const outDir = layout.outDir?.replace(/^\.?\/+|\/+$/g, '') ?? null;
  for (let i = 0; i < segs.length; i++) {
    if (outDir && segs[i] === outDir) {
      const inner = stripExt(segs.slice(i + 1).join('/'));
      for (const ext of SOURCE_EXT) {
        const hit = bySuffix.get(inner + ext);
        if (hit?.length === 1) return { path: hit[0]!, compiled: /\.(ts|tsx|mts|cts)$/.test(hit[0]!) };
      }
    }
    const exact = bySuffix.get(segs.slice(i).join('/'));
    if (exact?.length === 1) return { path: exact[0]!, compiled: false };
  }
  return null;
}

/** Generated line -> source line of one file, from a source map made by transpiling it (no type check, no emit). */
export function generatedToSourceLines(
  path: string,
  text: string,
  compilerOptions: ts.CompilerOptions,
): Map<number, number> | null {
  if (!/\.(ts|tsx|mts|cts)$/.test(path)) return null;
  const out = ts.transpileModule(text, {
    fileName: path,
    compilerOptions: {
      ...compilerOptions,
      sourceMap: true,
      inlineSourceMap: false,
      inlineSources: false,
      declaration: false,
      declarationMap: false,
      noEmit: false,
    },
    reportDiagnostics: false,
  });
  if (!out.sourceMapText) return null;
  const consumer = new SourceMapConsumer(JSON.parse(out.sourceMapText));
  const lines = new Map<number, number>();
  consumer.eachMapping((m) => {
    // The first segment of a generated line names the statement the line starts: V8 reports that line.
    if (!lines.has(m.generatedLine) && m.originalLine) lines.set(m.generatedLine, m.originalLine);
  });
  return lines;
}

/**
 * The repository's compiler options from its tsconfig text (extends are not followed), and its package.json's
 * module type: with `module: NodeNext` a file compiles to an ES module or to CommonJS depending on `"type"`, and
 * CommonJS output starts with lines the ES module has not, so the line mapping depends on it.
 */
export function compilerOptionsOf(
  tsconfigText: string | undefined,
  packageJsonText?: string,
): ts.CompilerOptions {
  let options: ts.CompilerOptions = {};
  if (tsconfigText) {
    const parsed = ts.parseConfigFileTextToJson('tsconfig.json', tsconfigText);
    const raw = (parsed.config as { compilerOptions?: unknown } | undefined)?.compilerOptions ?? {};
    options = ts.convertCompilerOptionsFromJson(raw, '/').options;
  }
  const nodeModules =
    options.module === ts.ModuleKind.NodeNext ||
    options.module === ts.ModuleKind.Node16 ||
    options.module === ts.ModuleKind.Node18;
  if (nodeModules) {
    let type: unknown;
    try {
      type = packageJsonText ? (JSON.parse(packageJsonText) as { type?: unknown }).type : undefined;
    } catch {
      type = undefined;
    }
    options = { ...options, module: type === 'module' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS };
  }
  return options;
}
