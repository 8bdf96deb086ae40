import { posix } from 'node:path';
import { SourceMapConsumer } from 'source-map-js';
import { confinePath } from './paths.js';
import type { Frame, FrameReport } from './stack.js';

/**
 * Maps stack frames of generated code (dist/, bundles) back to the repository's sources through their source maps.
 * `readSourceMap(path)` returns the map of a repository file (e.g. the text of `<path>.map`), or undefined. A mapped
 * source is resolved against the generated file's folder and confined to the repository: a map whose source points
 * outside (`../../etc/passwd`, an absolute path elsewhere) is refused and counted, the frame dropped, nothing read.
 * Frames without a map or without a mapping stay as they are.
 */
export function mapFrames(
  report: FrameReport,
  repoRoot: string,
  readSourceMap: (path: string) => string | undefined,
): FrameReport {
  const consumers = new Map<string, SourceMapConsumer | null>();
  const consumerFor = (path: string): SourceMapConsumer | null => {
    let c = consumers.get(path);
    if (c === undefined) {
      c = null;
      const raw = readSourceMap(path);
      if (raw !== undefined) {
        try {
          c = new SourceMapConsumer(JSON.parse(raw));
        } catch {
          c = null; // a broken map: the frame keeps its generated position
        }
      }
      consumers.set(path, c);
    }
    return c;
  };
  const frames: Frame[] = [];
  let refused = report.refused;
  for (const frame of report.frames) {
    const consumer = consumerFor(frame.path);
    const pos = consumer?.originalPositionFor({ line: frame.line, column: Math.max(0, frame.column - 1) });
    if (!pos || pos.source === null || pos.line === null) {
      frames.push(frame);
      continue;
    }
    // bundlers name sources webpack://<project>/./src/x.ts: the path after the project part is repository-relative
    const source = pos.source.replace(/^webpack:\/\/[^/]*\//, '');
    const resolved = source.startsWith('/') ? source : posix.join(posix.dirname(frame.path), source);
    const path = resolved.startsWith('../') ? null : confinePath(resolved, repoRoot);
    if (path === null) {
      refused++;
      continue;
    }
    frames.push({ path, line: pos.line, column: (pos.column ?? 0) + 1, depth: frame.depth });
  }
  return { frames, refused };
}
