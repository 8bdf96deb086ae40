import { describe, expect, it } from 'vitest';
import { lastLines } from './process.js';

describe('log tails', () => {
  it('given more lines than asked, when tailing, then the last n without the trailing newline', () => {
    expect(lastLines('a\nb\nc\nd\n', 2)).toBe('c\nd');
  });
  it('given fewer lines than asked, when tailing, then all of them', () => {
    expect(lastLines('only', 5)).toBe('only');
  });
});
