import { normalizeCode, type Hunk } from './diff.js';

/**
 * Undoing a commit's change where the code still stands as the commit left it. `git revert` and a three-way apply of
 * a hunk refuse as soon as a later commit touched any line of the hunk, although a later commit often changed only
 * one line at its edge (the suspect rewrote a function's last three lines, a later commit then edited the first of
 * them). Here a change block of the suspect (a `-U0` hunk: lines removed, lines added) loses, at either edge, the
 * added lines a later commit changed again together with the removed line each of them rewrote (a line pair that
 * reads alike); what remains is undone if the code at the base commit still holds the suspect's lines exactly. A
 * block changed later in its middle, or at an edge whose line replaced nothing alike, is left alone: the later
 * commit built on it.
 */

/** One change block of the suspect commit (a `-U0` hunk), both sides' texts. */
export interface ChangeBlock {
  /** First line of the block on the suspect's side (for a pure deletion: the line after which lines were cut). */
  newStart: number;
  removed: string[];
  added: string[];
}

export function changeBlocks(hunks: readonly Hunk[]): ChangeBlock[] {
  return hunks.map((h) => ({
    newStart: h.newLines === 0 ? h.newStart + 1 : h.newStart,
    removed: h.body.filter((l) => l.startsWith('-')).map((l) => l.slice(1)),
    added: h.body.filter((l) => l.startsWith('+')).map((l) => l.slice(1)),
  }));
}

/** Lines of the suspect's version (1-based) that a later commit changed or removed, from `-U0` hunks suspect -> base. */
export function changedLater(later: readonly Hunk[]): Set<number> {
  const out = new Set<number>();
  for (const h of later) for (let l = h.oldStart; l < h.oldStart + h.oldLines; l++) out.add(l);
  return out;
}

const WORD = /[A-Za-z_$][\w$]*|\d+/g;

/**
 * Two lines are one line edited when most of their words are shared (Dice coefficient over the multisets of names,
 * keywords and numbers; punctuation would make any two short calls alike).
 */
export function readAlike(a: string, b: string): boolean {
  const ta = normalizeCode(a).match(WORD) ?? [];
  const tb = normalizeCode(b).match(WORD) ?? [];
  if (ta.length === 0 || tb.length === 0) return false;
  const counts = new Map<string, number>();
  for (const t of ta) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of tb) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(t, n - 1);
    }
  }
  return (2 * shared) / (ta.length + tb.length) >= 0.5;
}

/** The block without its edges a later commit changed again; null when the later change cannot be set apart. */
export function standingPart(block: ChangeBlock, later: ReadonlySet<number>): ChangeBlock | null {
  let { newStart } = block;
  const removed = block.removed.slice();
  const added = block.added.slice();
  while (added.length > 0 && later.has(newStart)) {
    if (removed.length === 0 || !readAlike(removed[0]!, added[0]!)) return null;
    removed.shift();
    added.shift();
    newStart++;
  }
  while (added.length > 0 && later.has(newStart + added.length - 1)) {
    if (removed.length === 0 || !readAlike(removed.at(-1)!, added.at(-1)!)) return null;
    removed.pop();
    added.pop();
  }
  for (let l = newStart; l < newStart + added.length; l++) if (later.has(l)) return null;
  if (removed.length === 0 && added.length === 0) return null;
  return { newStart, removed, added };
}

/**
 * The base text with the blocks undone: each block's added lines, found where `toBase` puts them and still exactly
 * as the suspect wrote them, replaced by its removed lines. Undefined when a block does not stand there any more.
 */
export function undoBlocks(
  baseText: string,
  blocks: readonly ChangeBlock[],
  toBase: (suspectLine: number) => number,
): string | undefined {
  const lines = baseText.split('\n');
  const edits = blocks.map((b) => ({ block: b, at: toBase(b.newStart) - 1 })).sort((x, y) => y.at - x.at); // bottom first, so earlier indices stay valid
  let previous = Infinity;
  for (const { block, at } of edits) {
    if (at < 0 || at + block.added.length > lines.length || at + block.added.length > previous)
      return undefined;
    for (let i = 0; i < block.added.length; i++) if (lines[at + i] !== block.added[i]) return undefined;
    lines.splice(at, block.added.length, ...block.removed);
    previous = at;
  }
  return lines.join('\n');
}
