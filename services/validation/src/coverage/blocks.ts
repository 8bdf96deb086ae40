import type { Block, V8Script } from './types.js';

/** Outer ranges before the ranges they contain: by start, then longest first. */
const byNesting = (a: { start: number; end: number }, b: { start: number; end: number }): number =>
  a.start - b.start || b.end - a.end;

interface Counted {
  start: number;
  end: number;
  count: number;
}

/**
 * One script's blocks merged over the processes that loaded it, with exact counts. V8 leaves out a block whose count
 * equals its parent's, so a block one process reports may be missing from another although it ran there: its count
 * in that process is the count of the smallest range there that contains it. Summing that over processes gives
 * each block's true total (what @bcoe/v8-coverage's merge computes, without splitting ranges).
 */
export function mergeBlocks(coverages: readonly V8Script[]): Block[] {
  const union = new Map<string, Block>();
  for (const script of coverages) {
    for (const fn of script.functions) {
      fn.ranges.forEach((r, i) => {
        const key = `${r.startOffset}:${r.endOffset}`;
        const known = union.get(key);
        if (known) known.isFunction ||= i === 0;
        else union.set(key, { start: r.startOffset, end: r.endOffset, count: 0, isFunction: i === 0 });
      });
    }
  }
  const blocks = [...union.values()].sort(byNesting);
  for (const script of coverages) {
    const ranges: Counted[] = script.functions
      .flatMap((f) => f.ranges)
      .map((r) => ({ start: r.startOffset, end: r.endOffset, count: r.count }))
      .sort(byNesting);
    // One sweep over both sorted lists; on an exact tie the process's own range comes first and so contains it.
    const stack: Counted[] = [];
    let i = 0;
    for (const block of blocks) {
      while (i < ranges.length && byNesting(ranges[i]!, block) <= 0) {
        const r = ranges[i++]!;
        while (stack.length > 0 && stack.at(-1)!.end < r.end) stack.pop();
        stack.push(r);
      }
      while (stack.length > 0 && stack.at(-1)!.end < block.end) stack.pop();
      block.count += stack.at(-1)?.count ?? 0;
    }
  }
  return blocks;
}

/**
 * The count at increasing offsets of one script: the count of the innermost block containing the offset (what ran
 * there), 0 outside every block. Queries must come in non-decreasing offset order.
 */
export class CountCursor {
  private readonly stack: Block[] = [];
  private next = 0;
  private last = -1;

  constructor(private readonly blocks: readonly Block[]) {}

  at(offset: number): number {
    if (offset < this.last) throw new Error('CountCursor offsets must not decrease');
    this.last = offset;
    while (this.next < this.blocks.length && this.blocks[this.next]!.start <= offset) {
      const b = this.blocks[this.next++]!;
      while (this.stack.length > 0 && this.stack.at(-1)!.end <= b.start) this.stack.pop();
      this.stack.push(b);
    }
    while (this.stack.length > 0 && this.stack.at(-1)!.end <= offset) this.stack.pop();
    return this.stack.at(-1)?.count ?? 0;
  }
}
