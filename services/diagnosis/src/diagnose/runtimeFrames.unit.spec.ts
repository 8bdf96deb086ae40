import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { compilerOptionsOf, generatedToSourceLines, mapRuntimeFrames } from './runtimeFrames.js';

const SOURCE = [
  "import type { Address } from './types.js';", // 1
  '', // 2
  '/** Label lines. */', // 3
  'export function formatAddress(address: Address): string[] {', // 4
  '  const lines: string[] = [address.name];', // 5
  "  if (address.country === 'GB') lines.push(address.line2!.toUpperCase());", // 6
  '  return lines;', // 7
  '}', // 8
].join('\n');

const files = new Set(['src/shipping/address.ts', 'src/shipping/types.ts', 'package.json']);
const read = (p: string) => (p === 'src/shipping/address.ts' ? SOURCE : undefined);
const esm = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 };

describe('mapRuntimeFrames', () => {
  it('given frames of the compiled service on a production host, then they map to source lines of the repository', () => {
    const js = ts.transpileModule(SOURCE, { compilerOptions: esm }).outputText.split('\n');
    const pushLine = js.findIndex((l) => l.includes('toUpperCase')) + 1;
    const m = mapRuntimeFrames(
      [
        `formatAddress (file:///srv/checkout/releases/8a1bc62/dist/src/shipping/address.js:${pushLine})`,
        'process.processTicksAndRejections (node:internal/process/task_queues:95)',
        'Router.handle (/srv/checkout/node_modules/router/index.js:12)',
      ],
      files,
      { outDir: 'dist' },
      read,
      esm,
    );
    expect(m.frames).toEqual([{ fn: 'formatAddress', path: 'src/shipping/address.ts', line: 6, depth: 0 }]);
    expect(m).toMatchObject({ refused: 0, external: 2 });
  });

  it('given frames naming places outside the repository, then they are refused and counted, and nothing is read', () => {
    const asked: string[] = [];
    const m = mapRuntimeFrames(
      [
        'evil (../../etc/passwd:1)',
        'abs (/etc/shadow:3)',
        'url (http://example.com/x.js:1)',
        'nul (src/a\u0000.ts:1)',
      ],
      files,
      { outDir: 'dist' },
      (p) => (asked.push(p), undefined),
      esm,
    );
    expect(m).toEqual({ frames: [], refused: 4, external: 0 });
    expect(asked).toEqual([]);
  });

  it('given sources that run as they are, then a frame keeps its line', () => {
    const m = mapRuntimeFrames(['f (/app/src/shipping/address.ts:7)'], files, { outDir: null }, read, esm);
    expect(m.frames).toEqual([{ fn: 'f', path: 'src/shipping/address.ts', line: 7, depth: 0 }]);
  });
});

describe('compilerOptionsOf', () => {
  it('given NodeNext and a package of type module, then the files compile as ES modules (no CommonJS preamble to shift lines)', () => {
    const tsconfig = JSON.stringify({ compilerOptions: { module: 'NodeNext', target: 'ES2022' } });
    expect(compilerOptionsOf(tsconfig, '{"type":"module"}').module).toBe(ts.ModuleKind.ESNext);
    expect(compilerOptionsOf(tsconfig, '{}').module).toBe(ts.ModuleKind.CommonJS);
    expect(compilerOptionsOf(undefined)).toEqual({});
    const cjs = generatedToSourceLines('a.ts', SOURCE, compilerOptionsOf(tsconfig, '{}'))!;
    const mjs = generatedToSourceLines('a.ts', SOURCE, compilerOptionsOf(tsconfig, '{"type":"module"}'))!;
    // The same source line sits lower in CommonJS output than in the ES module.
    const lineOf = (map: Map<number, number>, src: number) => [...map].find(([, s]) => s === src)![0];
    expect(lineOf(cjs, 6)).toBeGreaterThan(lineOf(mjs, 6));
  });
});
