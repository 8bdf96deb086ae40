import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineBatcher, lineBlocks } from './ship.js';

const collect = async (chunks: Array<Buffer | string>) => {
  const lines: string[] = [];
  for await (const block of lineBlocks(Readable.from(chunks))) lines.push(...block);
  return lines;
};

describe('lineBlocks', () => {
  it('splits LF and CRLF lines across chunk boundaries, keeping a last line without newline', async () => {
    expect(await collect(['first\r\nsec', 'ond\n\nthi', 'rd'])).toEqual(['first', 'second', '', 'third']);
  });

  it('keeps a multi-byte character cut between two chunks whole', async () => {
    const bytes = Buffer.from('café ok\nnaïve\n', 'utf8');
    const cut = bytes.indexOf(0xa9); // the second byte of "é"
    expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['café ok', 'naïve']);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await collect([])).toEqual([]);
  });
});

describe('LineBatcher', () => {
  it('emits records of at most max lines, never separating a continuation line from its line', async () => {
    const records: string[][] = [];
    const batcher = new LineBatcher(2, async (lines) => void records.push(lines));
    for (const line of ['a', 'b', '    at f (x.js:1)', 'c', 'd', 'e']) await batcher.push(line);
    await batcher.flush();
    expect(records).toEqual([['a', 'b', '    at f (x.js:1)'], ['c', 'd'], ['e']]);
  });
});
