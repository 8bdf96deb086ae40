import { RE2JS } from 're2js';
import { recordFromFields, roleOf, type AssembleOptions, type HeaderRecord } from './fields.js';
import { PRESETS, type Preset } from './presets.js';
import { compileLayout, type CompiledLayout } from './timestamp.js';
import type { YearInference } from './year.js';

/**
 * Declared log formats, as log pipelines let their users write them:
 * - Drain's notation (the Loghub / logparser benchmark's): `<Date> <Time> <Level> <Component>: <Content>`, where
 *   `<Name>` is a field and the text between fields is a regular expression (a run of spaces matches any run
 *   of whitespace, so `\[` is a literal bracket);
 * - a regular expression with named groups, `(?<Level>…)` or `(?P<Level>…)`;
 * - a preset by name (presets.ts).
 * Field names say what a field is (fields.ts: Date/Time → the time, Level, Component/Logger/Program, Pid/Thread,
 * Host/Node, Content/Message → the message); other names are kept as attributes.
 *
 * Both kinds run on RE2 (re2js, linear time in the input), never on a backtracking engine: the regular
 * expression is the user's and the line is anyone's, so no pair of them may cost more than a pass. The header
 * is looked for only in the first `maxHeaderChars` characters, which bounds that pass too.
 */
export interface FormatDeclaration {
  /** Drain notation. */
  format?: string;
  /** A regular expression with named groups, matched at the start of the line. */
  regex?: string;
  /** A name of presets.ts (PresetName); checked when compiled, since catalogues carry it as text. */
  preset?: string;
  /** Layout of the time fields joined by one space (`yyyy-MM-dd HH:mm:ss,SSS`, `epoch`); default: recognised. */
  timeLayout?: string;
}

/** A string is Drain notation, or `preset:<name>`. */
export type FormatSpec = string | FormatDeclaration;

export interface CompiledFormat {
  /** The declaration, for reports. */
  source: string;
  /** Field names in the order the format declares them. */
  fields: readonly string[];
  /** The header of a line, or null when the line does not have the declared shape. */
  match(line: string, options?: MatchOptions): HeaderRecord | null;
}

export interface MatchOptions {
  years?: YearInference;
  defaultOffsetMinutes?: number;
  defaultDateMs?: number | null;
}

/** Headers longer than this are not headers: the match is attempted on this many characters at most. */
export const MAX_HEADER_CHARS = 2048;
/**
 * Whole-line patterns (those with a message group, or a Drain format not ending in its message) are not tried
 * on longer lines: such a line keeps all of it as its message rather than matching a `$` at a cut.
 */
export const MAX_LINE_CHARS = 64 * 1024;
/** A declared pattern longer than this is refused (it is configuration, not data). */
const MAX_PATTERN_CHARS = 4096;

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Drain notation to a regular expression, as logparser's `generate_logformat_regex` does, except that a final
 * message field is not part of the pattern: the message is the rest of the line after the header.
 */
function drainToRegex(format: string): { pattern: string; names: string[]; restIsMessage: boolean } {
  const parts = format.split(/(<[^<>]+>)/);
  const names: string[] = [];
  let pattern = '^';
  let restIsMessage = false;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (k % 2 === 0) {
      pattern += part.replace(/ +/g, '\\s+');
      continue;
    }
    const name = part.slice(1, -1);
    if (!FIELD_NAME.test(name)) throw new FormatError(`format field <${name}>: use letters, digits and _`);
    if (names.includes(name)) throw new FormatError(`format field <${name}> is declared twice`);
    const last = k === parts.length - 2 && parts[k + 1] === '';
    if (last && roleOf(name) === 'message') {
      restIsMessage = true;
      names.push(name);
      continue;
    }
    names.push(name);
    pattern += `(?P<${name}>.*?)`;
  }
  if (!restIsMessage) pattern += '$';
  return { pattern, names, restIsMessage };
}

function compileRe2(pattern: string, what: string): RE2JS {
  if (pattern.length > MAX_PATTERN_CHARS) throw new FormatError(`${what}: longer than ${MAX_PATTERN_CHARS}`);
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new FormatError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function declarationOf(spec: FormatSpec): FormatDeclaration {
  if (typeof spec !== 'string') return spec;
  if (spec.startsWith('preset:')) return { preset: spec.slice('preset:'.length) };
  return { format: spec };
}

export function compileFormat(spec: FormatSpec): CompiledFormat {
  let decl = declarationOf(spec);
  if (decl.preset !== undefined) {
    const preset: Preset | undefined = (PRESETS as Record<string, Preset>)[decl.preset];
    if (preset === undefined) {
      throw new FormatError(
        `unknown preset ${JSON.stringify(decl.preset)} (known: ${Object.keys(PRESETS).join(', ')})`,
      );
    }
    decl = { ...preset, timeLayout: decl.timeLayout ?? preset.timeLayout };
  }
  const kinds = [decl.format, decl.regex].filter((x) => x !== undefined).length;
  if (kinds !== 1) throw new FormatError('declare exactly one of format, regex or preset');
  let layout: CompiledLayout | undefined;
  if (decl.timeLayout !== undefined) {
    try {
      layout = compileLayout(decl.timeLayout);
    } catch (e) {
      throw new FormatError(e instanceof Error ? e.message : String(e));
    }
  }

  let re: RE2JS;
  let names: string[];
  let restIsMessage: boolean;
  let source: string;
  if (decl.format !== undefined) {
    const d = drainToRegex(decl.format);
    re = compileRe2(d.pattern, `format ${JSON.stringify(decl.format)}`);
    names = d.names;
    restIsMessage = d.restIsMessage;
    source = decl.format;
  } else {
    re = compileRe2(decl.regex!, `regex ${JSON.stringify(decl.regex)}`);
    names = Object.keys(re.namedGroups());
    if (names.length === 0) throw new FormatError('regex: name its groups, e.g. (?<Level>[A-Z]+)');
    restIsMessage = !names.some((n) => roleOf(n) === 'message');
    source = decl.regex!;
  }
  const groups = re.namedGroups() as Record<string, number>;
  const messageName = names.find((n) => roleOf(n) === 'message');

  return {
    source,
    fields: names,
    match(line: string, options: MatchOptions = {}): HeaderRecord | null {
      // Header-only patterns see the head of the line; whole-line ones the whole line, up to a cap.
      if (!restIsMessage && line.length > MAX_LINE_CHARS) return null;
      const capped = restIsMessage && line.length > MAX_HEADER_CHARS ? line.slice(0, MAX_HEADER_CHARS) : line;
      const m = re.matcher(capped);
      if (!m.lookingAt()) return null;
      // A header that runs to the cut of a longer line is no header (a `$` or a greedy field met the cut).
      if (capped.length < line.length && m.end() === capped.length) return null;
      const values: string[] = [];
      const fieldNames: string[] = [];
      let message: string;
      if (restIsMessage) {
        message = line.slice(m.end());
      } else {
        const g = groups[messageName ?? ''];
        const start = g === undefined ? -1 : m.start(g);
        // The message group ran to the cap: the rest of a long line is message too.
        message =
          start < 0
            ? ''
            : (m.group(g!) ?? '') + (m.end(g!) === capped.length ? line.slice(capped.length) : '');
      }
      for (const n of names) {
        if (roleOf(n) === 'message') continue;
        const g = groups[n];
        if (g === undefined) continue;
        fieldNames.push(n);
        values.push(m.group(g) ?? '');
      }
      const assemble: AssembleOptions = {
        ...(layout !== undefined ? { layout } : {}),
        ...(options.years !== undefined ? { years: options.years } : {}),
        defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
        defaultDateMs: options.defaultDateMs ?? null,
      };
      return recordFromFields(fieldNames, values, message.trimEnd(), assemble);
    },
  };
}
