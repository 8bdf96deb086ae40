import { describe, expect, it } from 'vitest';
import { HeadAndTail } from './output.js';

describe('HeadAndTail', () => {
  it('keeps a short stream whole', () => {
    const o = new HeadAndTail(10);
    o.push(Buffer.from('abc'));
    o.push(Buffer.from('defgh'));
    expect(o.text()).toBe('abcdefgh');
    expect(o.truncated).toBe(false);
  });

  it('keeps the first and the last half of a long stream, whatever the chunking, and says how much it dropped', () => {
    const o = new HeadAndTail(10);
    for (const c of ['0123', '456789ab', 'cd', 'efghijklmnopqrst', 'uvwxyz']) o.push(Buffer.from(c));
    expect(o.total).toBe(36);
    expect(o.text()).toBe('01234\n[… 26 bytes omitted by the sandbox …]\nvwxyz');
  });
});
