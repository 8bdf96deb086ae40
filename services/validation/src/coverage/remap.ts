import { CountCursor } from './blocks.js';
import { commentMask, isCodeAt, LineIndex } from './code.js';
import type { Block, FileCoverage, LineBranches } from './types.js';

/** [generatedColumn, sourceIndex, originalLine, originalColumn, name?], 0-based, as @jridgewell/trace-mapping decodes. */
export type Segment = readonly number[];

/** What `remapScript` needs of one executed script; all of it already read (and confined) by the caller. */
export interface ScriptInput {
  /** The script's text as V8 ran it. */
  generated: string;
  /** Its blocks merged over processes (mergeBlocks), sorted outer first. */
  blocks: readonly Block[];
  /** Decoded mappings per generated line, or null when the script is its own source (no source map). */
  mappings: ReadonlyArray<readonly Segment[]> | null;
  /** Per source index of the map (index 0 when no map): the repository file and its text, or null to leave out. */
  sources: ReadonlyArray<{ file: string; text: string } | null>;
}

interface Accumulator {
  file: string;
  text: string;
  index: LineIndex;
  mask: Uint8Array;
  lines: Map<number, number>;
  branches: Map<number, LineBranches>;
}

function maskOf(text: string, file: string): Uint8Array {
  try {
    return commentMask(text, file);
  } catch {
    // A file the parser chokes on still has coverage; comments then count as code, which only errs on "executable".
    return new Uint8Array(text.length);
  }
}

/**
 * Line and branch coverage of the original files of one script. A line of an original file is executable when the
 * compiler mapped code to it (a mapping onto a character of code, not a comment, blank or closer); its count is
 * the most any of that code ran (a line runs when any of it does, as istanbul counts lines). Branches are V8's
 * blocks, as c8 and node's own test coverage count them: each function and each block inside one (an arm, a loop
 * body, the code after an early return) is one branch at the line where it starts, taken when it ran. V8 merges a
 * block that ran as often as its parent into it, so a branch that always ran may not be listed; one that never
 * ran always is.
 */
export function remapScript(input: ScriptInput): FileCoverage[] {
  const generatedLines = new LineIndex(input.generated);
  const accumulators = input.sources.map((s): Accumulator | null =>
    s === null
      ? null
      : {
          file: s.file,
          text: s.text,
          index: new LineIndex(s.text),
          mask: maskOf(s.text, s.file),
          lines: new Map(),
          branches: new Map(),
        },
  );
  const mappings = input.mappings ?? identityMappings(generatedLines);

  // Lines: every mapped position, in generated order so the count cursor only moves forward.
  const cursor = new CountCursor(input.blocks);
  mappings.forEach((segments, generatedLine) => {
    for (const segment of segments) {
      const [column, sourceIndex, line, originalColumn] = segment;
      if (sourceIndex === undefined || line === undefined || originalColumn === undefined) continue;
      const offset = generatedLines.offsetOf(generatedLine, column!);
      if (offset < 0) continue;
      const count = cursor.at(offset);
      const acc = accumulators[sourceIndex];
      if (!acc) continue;
      const at = acc.index.offsetOf(line, originalColumn);
      if (at < 0 || !isCodeAt(acc.text, acc.mask, at)) continue;
      acc.lines.set(line + 1, Math.max(acc.lines.get(line + 1) ?? 0, count));
    }
  });

  // Branches: the original position of each block's start (the whole-script block is not a branch).
  for (const block of input.blocks) {
    if (block.start === 0 && block.end >= input.generated.length) continue;
    const origin = originalAt(mappings, generatedLines, block.start, block.end);
    const acc = origin && accumulators[origin.sourceIndex];
    if (!origin || !acc) continue;
    const line = origin.line + 1;
    const branch = acc.branches.get(line) ?? { line, taken: 0, total: 0 };
    branch.total++;
    if (block.count > 0) branch.taken++;
    acc.branches.set(line, branch);
  }

  return accumulators.flatMap((acc) =>
    acc === null
      ? []
      : [
          {
            file: acc.file,
            lines: new Map([...acc.lines].sort((a, b) => a[0] - b[0])),
            branches: [...acc.branches.values()].sort((a, b) => a.line - b.line),
          },
        ],
  );
}

/** Without a source map a script maps onto itself: every non-blank character is a segment of source 0. */
function identityMappings(lines: LineIndex): Segment[][] {
  const out: Segment[][] = [];
  for (let line = 0; line < lines.lineCount; line++) {
    const length = (lines.starts[line + 1] ?? lines.text.length + 1) - lines.starts[line]! - 1;
    const segments: Segment[] = [];
    const start = lines.starts[line]!;
    for (let column = 0; column < length; column++) {
      if (!/\s/.test(lines.text[start + column]!)) segments.push([column, 0, line, column]);
    }
    out.push(segments);
  }
  return out;
}

/**
 * The original position of generated offset `start`: the last mapping at or before it on its line (the code it is
 * part of), else the first mapping after it, up to `end` (a block starting in unmapped space, such as between
 * statements, belongs to the code that follows).
 */
function originalAt(
  mappings: ReadonlyArray<readonly Segment[]>,
  lines: LineIndex,
  start: number,
  end: number,
): { sourceIndex: number; line: number } | null {
  const line = lines.lineOf(start);
  const column = start - lines.starts[line]!;
  const segments = mappings[line] ?? [];
  let best: Segment | undefined;
  for (const s of segments) {
    if (s[0]! > column) break;
    if (s.length >= 4) best = s;
  }
  if (best) return { sourceIndex: best[1]!, line: best[2]! };
  for (let l = line; l < mappings.length && lines.starts[l]! < end; l++) {
    for (const s of mappings[l]!) {
      if (s.length < 4 || (l === line && s[0]! < column)) continue;
      if (lines.starts[l]! + s[0]! >= end) return null;
      return { sourceIndex: s[1]!, line: s[2]! };
    }
  }
  return null;
}
