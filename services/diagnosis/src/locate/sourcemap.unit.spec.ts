import { SourceMapGenerator } from 'source-map-js';
import { describe, expect, it } from 'vitest';
import { mapFrames } from './sourcemap.js';
import { parseStack } from './stack.js';

const ROOT = '/repo/app';

function mapOf(source: string, generated: number, original: number): string {
  const g = new SourceMapGenerator({ file: 'main.js' });
  g.addMapping({
    generated: { line: generated, column: 0 },
    original: { line: original, column: 2 },
    source,
  });
  return g.toString();
}

describe('mapFrames', () => {
  const stack = 'Error: x\n    at f (/repo/app/dist/main.js:7:1)\n    at g (/repo/app/dist/other.js:3:1)';

  it('maps generated frames to the repository sources, leaving frames without a map alone', () => {
    const maps: Record<string, string> = { 'dist/main.js': mapOf('../src/main.ts', 7, 42) };
    const mapped = mapFrames(parseStack(stack, ROOT), ROOT, (p) => maps[p]);
    expect(mapped.frames).toEqual([
      { path: 'src/main.ts', line: 42, column: 3, depth: 0 },
      { path: 'dist/other.js', line: 3, column: 1, depth: 1 },
    ]);
    expect(mapped.refused).toBe(0);
  });

  it('refuses and counts a map whose source points outside the repository', () => {
    for (const source of ['../../../etc/passwd', '/etc/passwd']) {
      const maps: Record<string, string> = { 'dist/main.js': mapOf(source, 7, 1) };
      const mapped = mapFrames(parseStack(stack, ROOT), ROOT, (p) => maps[p]);
      expect(mapped.frames.map((f) => f.path)).toEqual(['dist/other.js']);
      expect(mapped.refused).toBe(1);
    }
  });

  it('keeps the generated position when the map is broken', () => {
    const mapped = mapFrames(parseStack(stack, ROOT), ROOT, () => '{not json');
    expect(mapped.frames[0]).toMatchObject({ path: 'dist/main.js', line: 7 });
  });
});
