import { confinePath } from './paths.js';

export interface Frame {
  readonly path: string;
  readonly line: number;
  /** 1-based, as V8 prints it. */
  readonly column: number;
  /** 0 for the innermost frame. */
  readonly depth: number;
}

export interface FrameReport {
  readonly frames: Frame[];
  /** Frames naming a place outside the repository (refused, never read). */
  readonly refused: number;
}

const V8_FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/;

/**
 * V8 stack frames of an error, confined to the repository (frames in node internals are dropped, not refused).
 * Stacks quoted inside a failure message count too: a server's 500 page carries its stack as HTML
 * (`<br> &nbsp; &nbsp;at f (/app/lib/x.js:3:1)`), which is the only trace of the fault when tests assert on responses.
 */
export function parseStack(stack: string, repoRoot: string): FrameReport {
  const frames: Frame[] = [];
  let refused = 0;
  let depth = 0;
  const normalized = stack
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+at /g, '\n    at ');
  for (const text of normalized.split('\n').slice(0, 400)) {
    const m = V8_FRAME.exec(text);
    if (!m) continue;
    const location = m[1] ?? '';
    const line = Number(m[2]);
    const column = Number(m[3]);
    if (location.startsWith('node:') || location.startsWith('internal/') || location === 'native') continue;
    const path = confinePath(location, repoRoot);
    if (path === null) {
      refused++;
      continue;
    }
    frames.push({ path, line, column, depth: depth++ });
  }
  return { frames, refused };
}
