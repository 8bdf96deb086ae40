import { stableId } from '../incidents/stable-id.js';
import { normalizePath, stripSourceExtension } from '../coverage/paths.js';

/** One parsed stack frame. `fn` is null for anonymous frames; `line`/`column` are null when absent. */
export interface StackFrame {
  fn: string | null;
  file: string;
  line: number | null;
  column: number | null;
}

const V8_WITH_FN = /^\s*(?:at\s+)?(?:async\s+)?(?:new\s+)?(.+?)\s+\((.+?)(?::(\d+))?(?::(\d+))?\)\s*$/;
const V8_BARE = /^\s*(?:at\s+)?(?:async\s+)?((?:[A-Za-z]:)?[^\s()]+?)(?::(\d+))?(?::(\d+))?\s*$/;
const GECKO = /^\s*([^@\s]*)@(.+?)(?::(\d+))?(?::(\d+))?\s*$/;

/**
 * Parses `at fn (file:line:col)`, `fn (file:line)` (the domain's `TemplatedEvent.stack` form), `at file:line:col`
 * and `fn@file:line:col`. Returns null for lines that are not frames (the message line, `... 3 more`).
 */
export function parseFrame(text: string): StackFrame | null {
  const num = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
  let m = V8_WITH_FN.exec(text);
  if (m && !/^\s*at\s*$/.test(m[1]!)) {
    return { fn: anonymousToNull(m[1]!), file: m[2]!, line: num(m[3]), column: num(m[4]) };
  }
  m = GECKO.exec(text);
  if (m && m[2]!.includes('/'))
    return { fn: anonymousToNull(m[1]!), file: m[2]!, line: num(m[3]), column: num(m[4]) };
  m = /^\s*at\s/.test(text) ? V8_BARE.exec(text) : null;
  if (m) return { fn: null, file: m[1]!, line: num(m[2]), column: num(m[3]) };
  return null;
}

function anonymousToNull(fn: string): string | null {
  const name = fn.trim();
  if (name === '' || name === '<anonymous>' || name === 'anonymous' || name === 'Object.<anonymous>')
    return null;
  return name;
}

/** Node's own frames: they say where the runtime was, not where the application went wrong. */
export function isRuntimeFrame(frame: StackFrame): boolean {
  const f = frame.file;
  return (
    f.startsWith('node:') ||
    f.startsWith('internal/') ||
    f === 'native' ||
    f === '<anonymous>' ||
    f.startsWith('<') ||
    /^index \d+$/.test(f) ||
    /(^|\/)node_modules\/(\.pnpm\/)?(tsx|ts-node)\//.test(f)
  );
}

export function isLibraryFrame(frame: StackFrame): boolean {
  return /(^|\/)node_modules\//.test(frame.file.replace(/\\/g, '/'));
}

export interface StackSignature {
  signature: string;
  /** The normalized frames the signature is the hash of, innermost first: `fn@path/tail` without line numbers. */
  frames: string[];
}

export interface SignatureOptions {
  /** Application frames hashed into the signature. */
  topFrames: number;
  /** Trailing path segments kept per frame, so different deploy roots cluster together. */
  pathSegments: number;
}

export const defaultSignatureOptions: SignatureOptions = { topFrames: 5, pathSegments: 3 };

/**
 * Signature of a stack trace: the top N application frames with line and column numbers dropped (they move with
 * every edit), anonymous frames and runtime frames dropped, paths cut to their last segments and stripped of
 * `.js`/`.ts` so builds and sources agree. Library frames are used only when there is no application frame.
 * Null when no usable frame remains.
 */
export function stackSignature(
  stack: readonly string[],
  options: SignatureOptions = defaultSignatureOptions,
): StackSignature | null {
  const parsed = stack.map(parseFrame).filter((f): f is StackFrame => f !== null && !isRuntimeFrame(f));
  const named = parsed.filter((f) => f.fn !== null);
  const app = named.filter((f) => !isLibraryFrame(f));
  const chosen = (app.length > 0 ? app : named).slice(0, options.topFrames);
  if (chosen.length === 0) return null;
  const frames = chosen.map((f) => {
    const tail = normalizePath(f.file).split('/').slice(-options.pathSegments).join('/');
    return `${f.fn}@${stripSourceExtension(tail)}`;
  });
  return { signature: stableId('st', ...frames), frames };
}
