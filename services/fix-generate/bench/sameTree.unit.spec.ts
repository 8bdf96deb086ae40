import { describe, expect, it } from 'vitest';
import { normalizedTree, sameAsHumanFix } from './sameTree.js';

const BUGGY = `function allowed(methods, m) {\n  return methods.indexOf(m) > 0;\n}\nmodule.exports = allowed;\n`;
const FIXED = `function allowed(methods, m) {\n  return methods.indexOf(m) >= 0;\n}\nmodule.exports = allowed;\n`;
const base = (texts: Record<string, string>) => (p: string) => texts[p] ?? null;

describe('sameAsHumanFix', () => {
  it('equal trees despite comments and layout', () => {
    const candidate = `function allowed(methods,m){ // found\n  return methods.indexOf(m)>=0 }\nmodule.exports = allowed`;
    expect(normalizedTree('lib/a.js', candidate)).toBe(normalizedTree('lib/a.js', FIXED));
    expect(
      sameAsHumanFix(
        new Map([['lib/a.js', candidate]]),
        new Map([['lib/a.js', FIXED]]),
        base({ 'lib/a.js': BUGGY }),
      ),
    ).toBe(true);
  });

  it('a different operator, a file the fix does not change, or a file it changes left alone: not the fix', () => {
    const human = new Map([['lib/a.js', FIXED]]);
    const texts = base({ 'lib/a.js': BUGGY, 'lib/b.js': 'exports.x = 1;\n' });
    const other = BUGGY.replace('> 0', '!== -1');
    expect(sameAsHumanFix(new Map([['lib/a.js', other]]), human, texts)).toBe(false);
    expect(
      sameAsHumanFix(
        new Map([
          ['lib/a.js', FIXED],
          ['lib/b.js', 'exports.x = 2;\n'],
        ]),
        human,
        texts,
      ),
    ).toBe(false);
    expect(sameAsHumanFix(new Map([['lib/b.js', 'exports.x = 2;\n']]), human, texts)).toBe(false);
  });

  it('a file the fix deletes matches only a candidate that deletes it', () => {
    const human = new Map<string, string | null>([['lib/old.js', null]]);
    const texts = base({ 'lib/old.js': 'module.exports = 1;\n' });
    expect(sameAsHumanFix(new Map([['lib/old.js', null]]), human, texts)).toBe(true);
    expect(sameAsHumanFix(new Map([['lib/old.js', '']]), human, texts)).toBe(false);
  });
});
