import { describe, expect, it } from 'vitest';
import { awaitDrafts } from './missingAwait.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

const text = src(
  'async function save(o: object): Promise<void> {',
  '  await store.put(o);',
  '}',
  'export async function checkout(o: object, log: { info(m: string): void }): Promise<object> {',
  '  save(o);',
  "  log.info('saved');",
  '  return o;',
  '}',
  'export function later(o: object): Promise<void> {',
  '  console.log(o);',
  '  store.put(o);',
  '}',
  'declare const store: { put(o: object): Promise<void> };',
);

describe('awaitDrafts', () => {
  it('given an unawaited call of an async function of the file, then it is awaited', () => {
    const drafts = awaitDrafts('src/c.ts', text, [{ line: 6, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([text.replace('  save(o);', '  await save(o);')]);
    expect(drafts[0]!.fit).toBeGreaterThan(0.5);
  });

  it('given a callee awaited elsewhere, last in a plain function, then its promise is returned', () => {
    const drafts = awaitDrafts('src/c.ts', text, [{ line: 11, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([
      text.replace('  store.put(o);\n}', '  return store.put(o);\n}'),
    ]);
  });

  it('given calls with no sign of a promise, then nothing (log.info is not awaited anywhere)', () => {
    const drafts = awaitDrafts(
      'src/c.ts',
      src('export async function f(log: { info(m: string): void }) {', "  log.info('x');", '}'),
      [{ line: 2, weight: 1 }],
    );
    expect(drafts).toEqual([]);
  });
});
