import { describe, expect, it } from 'vitest';
import { applyEdits, pruneImports, statementKey, parse } from './ast.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('pruneImports', () => {
  const before = src(
    "import { TimeoutError, type Client } from './client.js';",
    "import { helper } from './helper.js';",
    "import { unused } from './unused.js';",
    'export function f(c: Client, e: unknown): boolean {',
    '  return helper(c) && !(e instanceof TimeoutError);',
    '}',
  );

  it('given an edit that stops using an imported value, then its specifier goes and a type-only rest becomes import type', () => {
    const after = before.replace(' && !(e instanceof TimeoutError)', '');
    expect(pruneImports('src/f.ts', before, after)).toBe(
      after.replace(
        "import { TimeoutError, type Client } from './client.js';",
        "import type { Client } from './client.js';",
      ),
    );
  });

  it('given an edit that stops using the only name of an import, then the whole import line goes', () => {
    const after = before.replace('helper(c) && ', '');
    expect(pruneImports('src/f.ts', before, after)).toBe(
      after.replace("import { helper } from './helper.js';\n", ''),
    );
  });

  it('given names unused before the edit, then they stay (not this edit’s business)', () => {
    const after = before.replace('return helper', 'return  helper');
    expect(pruneImports('src/f.ts', before, after)).toBe(after);
  });
});

describe('statementKey and applyEdits', () => {
  it('given two layouts of one statement, then one key; given overlapping edits, then undefined', () => {
    const a = parse('a.ts', 'f(a,\n  b); // why\n').statements[0]!;
    const b = parse('b.ts', 'f(a, b);\n').statements[0]!;
    expect(statementKey(a)).toBe(statementKey(b));
    expect(
      applyEdits('abcdef', [
        { start: 1, end: 3, text: 'X' },
        { start: 2, end: 4, text: 'Y' },
      ]),
    ).toBeUndefined();
    expect(
      applyEdits('abcdef', [
        { start: 4, end: 5, text: 'Y' },
        { start: 1, end: 3, text: 'X' },
      ]),
    ).toBe('aXdYf');
  });
});
