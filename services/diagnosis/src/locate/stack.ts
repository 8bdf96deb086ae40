import { confinePath } from './paths.js';

export interface Frame {
  readonly path: string;
  readonly line: number;
  /** 0 for the innermost frame. */
  readonly depth: number;
}

export interface FrameReport {
  readonly frames: Frame[];
  /** Frames naming a place outside the repository (refused, never read). */
  readonly refused: number;
}

const V8_FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/;

/** V8 stack frames of an error, confined to the repository (frames in node internals are dropped, not refused). */
export function parseStack(stack: string, repoRoot: string): FrameReport {
  const frames: Frame[] = [];
  let refused = 0;
  let depth = 0;
  for (const text of stack.split('\n').slice(0, 200)) {
    const m = V8_FRAME.exec(text);
    if (!m) continue;
    const location = m[1] ?? '';
    const line = Number(m[2]);
    if (location.startsWith('node:') || location.startsWith('internal/') || location === 'native') continue;
    const path = confinePath(location, repoRoot);
    if (path === null) {
      refused++;
      continue;
    }
    frames.push({ path, line, depth: depth++ });
  }
  return { frames, refused };
}
