import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { mergeBlocks } from './blocks.js';
import { codeLines } from './code.js';
import { remapScript, type Segment } from './remap.js';
import type { V8Script } from './types.js';

const SOURCE = `// Picks a label.
import type { Config } from './config.js';
export function label(n: number, config?: Config): string {
  if (n > 10) {
    return 'big';
  }
  /* small numbers: "//" in a string is code */
  return n < 0 ? 'negative // not a comment' : 'small';
}
export interface Unused {
  x: number;
}
`;

/** The source compiled as the application's tsc would, with its source map (pure: nothing on disk). */
function compiled(): { js: string; mappings: Segment[][] } {
  const out = ts.transpileModule(SOURCE, {
    fileName: 'src/label.ts',
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true },
  });
  const map = new TraceMap(out.sourceMapText!);
  return { js: out.outputText, mappings: decodedMappings(map) as unknown as Segment[][] };
}

/** V8's report of one process: the module ran once, `label` ran `calls` times, plus the given blocks. */
function process(js: string, calls: number, blocks: Array<[from: string, to: string, count: number]>): V8Script {
  const fnStart = js.indexOf('function label');
  const fnEnd = js.indexOf('\n}', fnStart) + 2;
  return {
    url: 'file:///app/dist/label.js',
    functions: [
      { functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: js.length, count: 1 }] },
      {
        functionName: 'label',
        isBlockCoverage: true,
        ranges: [
          { startOffset: fnStart, endOffset: fnEnd, count: calls },
          ...blocks.map(([from, to, count]) => {
            const startOffset = js.indexOf(from, fnStart);
            return { startOffset, endOffset: js.indexOf(to, startOffset) + to.length, count };
          }),
        ],
      },
    ],
  };
}

describe('mergeBlocks', () => {
  it('given a block one process reports and another merged into its parent, when merged, then its count is exact', () => {
    const { js } = compiled();
    // Process A: label ran twice, never with n > 10. Process B: once, with n > 10 (V8 drops the block: same count).
    const a = process(js, 2, [["{\n        return 'big'", '}', 0]]);
    const b = process(js, 1, []);
    const blocks = mergeBlocks([a, b]);
    expect(blocks.map((x) => [js.slice(x.start, x.start + 14), x.count, x.isFunction])).toEqual([
      ['export functio', 2, true], // tsc dropped the comment with the type-only import
      ['function label', 3, true],
      ["{\n        retu", 1, false],
    ]);
  });
});

describe('remapScript', () => {
  it('given a compiled script and its map, when remapped, then executable lines and branches are the source file\'s', () => {
    const { js, mappings } = compiled();
    const blocks = mergeBlocks([process(js, 3, [["{\n        return 'big'", '}', 0], ["'negative", "'", 0]])]);
    const [file, ...others] = remapScript({
      generated: js,
      blocks,
      mappings,
      sources: [{ file: 'src/label.ts', text: SOURCE }],
    });
    expect(others).toEqual([]);
    expect(file!.file).toBe('src/label.ts');
    // Comments, the type-only import, the lone closer and the interface are not executable.
    expect([...file!.lines]).toEqual([
      [3, 3],
      [4, 3],
      [5, 0],
      [8, 3],
    ]);
    expect(file!.branches).toEqual([
      { line: 3, taken: 1, total: 1 },
      { line: 4, taken: 0, total: 1 },
      { line: 8, taken: 0, total: 1 },
    ]);
  });

  it('given a source the include left out, when remapped, then nothing is reported for it', () => {
    const { js, mappings } = compiled();
    expect(remapScript({ generated: js, blocks: [], mappings, sources: [null] })).toEqual([]);
  });

  it('given a plain script without a map and never run, when remapped, then its code lines are all at 0', () => {
    const js = "// helper\nexport const twice = (n) => {\n  return n * 2;\n};\n";
    const [file] = remapScript({ generated: js, blocks: [], mappings: null, sources: [{ file: 'lib/twice.js', text: js }] });
    expect([...file!.lines]).toEqual([
      [2, 0],
      [3, 0],
    ]);
  });
});

describe('codeLines', () => {
  it('given a TypeScript file, when asked, then lines with code, without comments, types and closers', () => {
    expect(codeLines(SOURCE, 'src/label.ts')).toEqual([3, 4, 5, 8]);
  });
});
