/**
 * Stack trace recognition for the runtimes whose traces show up in logs: JavaScript (V8), JVM, Python and Go.
 * Frames are normalized to `function (file:line)`, innermost first and outermost last (Python prints the
 * other way round, so its frames are reversed).
 */

const JS_FRAME = /^\s*at\s+(?:async\s+)?(?:(.+?)\s+\((.+?):(\d+)(?::\d+)?\)|(.+?):(\d+)(?::\d+)?)\s*$/;
const JS_FRAME_NATIVE = /^\s*at\s+(?:async\s+)?(.+?)\s+\((native|<anonymous>)\)\s*$/;
const JVM_FRAME = /^\s*at\s+([\w$.<>/]+)\(([^():]+?)(?::(\d+))?\)\s*$/;
const PY_FRAME = /^\s*File "(.+?)", line (\d+)(?:, in (.+))?\s*$/;
const GO_FUNC = /^([\w./*()-]+?\.[\w$*().-]+)\((?:[^)]*)\)\s*$/;
const GO_FILE = /^\s+(\/[^\s:]+|[A-Za-z]:\\[^\s:]+|[\w./-]+\.go):(\d+)(?:\s+\+0x[0-9a-f]+)?\s*$/;

/** Lines that belong to the previous log record even though they start at column 0. */
const CONTINUATION_AT_COLUMN_0 = [
  /^Caused by:/,
  /^Suppressed:/,
  /^Traceback \(most recent call last\):/,
  /^During handling of the above exception/,
  /^The above exception was the direct cause/,
  /^([a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(Exception|Error|Throwable)(:\s.*)?$/,
  /^[A-Z][\w]*(Error|Exception)( \[[A-Z][A-Z0-9_]*\])?(:\s.*)?$/,
  /^panic: /,
  /^goroutine \d+ \[/,
  /^\s*\.\.\. \d+ (more|common frames omitted)/,
  // Node ends an uncaught exception's report with its version
  /^Node\.js v\d+(\.\d+)*$/,
];

/** True when the line continues the previous record (indented, a frame, or an exception/cause line). */
export function isContinuationLine(line: string): boolean {
  if (line.length === 0) return false;
  if (/^[ \t]/.test(line)) return true;
  if (GO_FUNC.test(line)) return true;
  return CONTINUATION_AT_COLUMN_0.some((pattern) => pattern.test(line));
}

/** True when the line is an exception or cause line rather than a frame (kept as text, not as a frame). */
export function isExceptionLine(line: string): boolean {
  return (
    parseFrameLine(line) === null && !GO_FILE.test(line) && !GO_FUNC.test(line) && line.trim().length > 0
  );
}

function frame(fn: string | undefined, file: string, lineNo: string | undefined): string {
  const name = fn && fn.length > 0 ? fn : '<anonymous>';
  return lineNo ? `${name} (${file}:${lineNo})` : `${name} (${file})`;
}

/** Parses a single-line frame (JS, JVM, Python); null when the line is not one. */
export function parseFrameLine(line: string): { frame: string; python: boolean } | null {
  let m = JVM_FRAME.exec(line);
  if (m && /\.(java|kt|scala|groovy|clj)$|^(Native Method|Unknown Source)$/.test(m[2] ?? '')) {
    return { frame: frame(m[1], m[2] ?? '', m[3]), python: false };
  }
  m = JS_FRAME_NATIVE.exec(line);
  if (m) return { frame: frame(m[1], m[2] ?? '', undefined), python: false };
  m = JS_FRAME.exec(line);
  if (m) {
    if (m[2] !== undefined) return { frame: frame(m[1], m[2], m[3]), python: false };
    return { frame: frame(undefined, m[4] ?? '', m[5]), python: false };
  }
  m = PY_FRAME.exec(line);
  if (m) return { frame: frame(m[3]?.trim(), m[1] ?? '', m[2]), python: true };
  return null;
}

/**
 * Extracts frames from the lines of a stack trace (or any text that holds one). Go traces come as pairs of
 * lines (`pkg.fn(args)` then `\t/path/file.go:42 +0x1d`).
 */
export function parseStack(text: string | string[]): string[] {
  const lines = Array.isArray(text) ? text : text.split(/\r?\n/);
  const frames: string[] = [];
  let pythonFrames: string[] = [];
  const flushPython = (): void => {
    // Python prints the outermost call first: reverse each traceback block to keep innermost first.
    frames.push(...pythonFrames.reverse());
    pythonFrames = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const parsed = parseFrameLine(line);
    if (parsed) {
      if (parsed.python) pythonFrames.push(parsed.frame);
      else {
        flushPython();
        frames.push(parsed.frame);
      }
      continue;
    }
    if (pythonFrames.length > 0 && /^\S/.test(line)) flushPython();
    const goFunc = GO_FUNC.exec(line);
    const next = lines[i + 1];
    const goFile = next !== undefined ? GO_FILE.exec(next) : null;
    if (goFunc && goFile) {
      frames.push(frame(goFunc[1], goFile[1] ?? '', goFile[2]));
      i++;
    }
  }
  flushPython();
  return frames;
}
