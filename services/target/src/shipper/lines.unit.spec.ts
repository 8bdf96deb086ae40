import { describe, expect, it } from 'vitest';
import { cutLines } from './lines.js';

describe('cutLines', () => {
  it('takes complete lines only: a last line without its newline waits for the writer', () => {
    const bytes = Buffer.from('{"a":1}\n{"b":2}\r\n{"c":');
    expect(cutLines(bytes, 100, 10, 1000)).toEqual([
      { fromOffset: 100, toOffset: 117, lines: ['{"a":1}', '{"b":2}'] },
    ]);
  });

  it('splits by line count and by bytes, with offsets that continue where the previous batch ended', () => {
    const bytes = Buffer.from('aa\nbb\ncc\ndddddddddd\n');
    const batches = cutLines(bytes, 0, 2, 8);
    expect(batches).toEqual([
      { fromOffset: 0, toOffset: 6, lines: ['aa', 'bb'] },
      { fromOffset: 6, toOffset: 9, lines: ['cc'] },
      { fromOffset: 9, toOffset: 20, lines: ['dddddddddd'] },
    ]);
  });

  it('counts bytes, not characters, so offsets stay right after multi-byte text', () => {
    const bytes = Buffer.from('größe\nx\n');
    expect(cutLines(bytes, 0, 1, 1000).map((b) => b.toOffset)).toEqual([8, 10]);
  });

  it('skips empty lines but moves past them', () => {
    expect(cutLines(Buffer.from('\n\n'), 5, 10, 100)).toEqual([{ fromOffset: 5, toOffset: 7, lines: [] }]);
  });
});
