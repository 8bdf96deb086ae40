import { fuseWildcards, WILDCARD } from './mask.js';

/**
 * Matches `text` against a slot pattern in which `<*>` stands for one or more characters. Literal parts are
 * located left to right with indexOf (first fit), which is linear and cannot backtrack. On success returns
 * the values behind the wildcards, otherwise null.
 */
export function fitPattern(pattern: string, text: string): string[] | null {
  if (pattern === WILDCARD) return [text];
  return fitParts(pattern.split(WILDCARD), text);
}

/** fitPattern with the pattern already split at its wildcards. */
export function fitParts(parts: readonly string[], text: string): string[] | null {
  const values: string[] = [];
  return fitPartsInto(parts, text, values) ? values : null;
}

/**
 * fitParts appending the values to `out` (or only checking, when `out` is null): the miner calls this once
 * per variable slot of every message, so no array per call. On failure `out` is left as it was.
 */
export function fitPartsInto(parts: readonly string[], text: string, out: string[] | null): boolean {
  return fitPartsInRange(parts, text, 0, text.length, out);
}

/**
 * fitPartsInto on text[from, to), without cutting that piece out first: the miner fits a slot of the
 * message where it lies, so a slot costs no substring beyond its values. Same results as fitPartsInto on
 * text.slice(from, to) (a literal found past `to` is one the piece does not contain).
 */
export function fitPartsInRange(
  parts: readonly string[],
  text: string,
  from: number,
  to: number,
  out: string[] | null,
): boolean {
  const count = parts.length;
  const first = parts[0]!;
  if (count === 1) return to - from === first.length && text.startsWith(first, from);
  const lastPart = parts[count - 1]!;
  if (count === 2 && first === '' && lastPart === '') {
    out?.push(text.slice(from, to));
    return true;
  }
  // Lengths first: a prefix or suffix longer than the piece must not be matched against text around it.
  if (to - from < first.length + lastPart.length) return false;
  if (!text.startsWith(first, from)) return false;
  if (!text.endsWith(lastPart, to)) return false;
  const limit = to - lastPart.length;
  const mark = out === null ? 0 : out.length;
  let pos = from + first.length;
  for (let k = 1; k < count - 1; k++) {
    const lit = parts[k]!;
    // At least one character per wildcard.
    const at = lit.length === 0 ? pos + 1 : text.indexOf(lit, pos + 1);
    if (at < 0 || at + lit.length > limit) {
      if (out !== null) out.length = mark;
      return false;
    }
    out?.push(text.slice(pos, at));
    pos = at + lit.length;
  }
  if (limit - pos < 1) {
    if (out !== null) out.length = mark;
    return false;
  }
  out?.push(text.slice(pos, limit));
  return true;
}

/** Whether `text` (itself possibly containing `<*>`) is an instance of `pattern`. */
export function fits(pattern: string, text: string): boolean {
  if (pattern === text || pattern === WILDCARD) return true;
  if (pattern.indexOf(WILDCARD) < 0) return false;
  return fitPattern(pattern, text) !== null;
}

function keepsAsPrefix(c: number): boolean {
  // = : ( [ { ' " # @ ,  and `/` : a key or an opening bracket before a value stays in the template.
  return (
    c === 61 ||
    c === 58 ||
    c === 40 ||
    c === 91 ||
    c === 123 ||
    c === 39 ||
    c === 34 ||
    c === 35 ||
    c === 64 ||
    c === 44 ||
    c === 46 // .  a common package or domain prefix stays (`org.apache.<*>`)
  );
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

/**
 * The most specific slot pattern covering both `a` and `b`: their common prefix up to a key delimiter
 * (`user=`, `(`), `<*>`, then their common trailing punctuation (`,`, `)`). `user=root` + `user=bob`
 * -> `user=<*>`; `<*> KB,` + `<*> B,` -> `<*>,`; otherwise `<*>`.
 */
export function generalize(a: string, b: string): string {
  if (a === b) return a;
  const n = Math.min(a.length, b.length);
  let p = 0;
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  // Cut the prefix back to just after its last key delimiter, and never inside a `<*>`.
  let cut = 0;
  for (let k = 0; k < p; k++) {
    const c = a.charCodeAt(k);
    if (c === 60 && a.startsWith(WILDCARD, k)) {
      if (k + 3 > p) break;
      k += 2;
      continue;
    }
    if (keepsAsPrefix(c)) cut = k + 1;
  }
  let prefix = a.slice(0, cut);
  // A prefix that still contains a wildcard followed by text would make a pattern nobody wrote; drop it.
  if (prefix.indexOf(WILDCARD) >= 0 && !/^[^A-Za-z0-9]*$/.test(prefix.split(WILDCARD).join(''))) prefix = '';
  let s = 0;
  while (
    s < n - cut &&
    a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s) &&
    !isWordChar(a.charCodeAt(a.length - 1 - s)) &&
    a.charCodeAt(a.length - 1 - s) !== 62 /* > of <*> */ &&
    a.charCodeAt(a.length - 1 - s) !== 32
  ) {
    s++;
  }
  const suffix = s > 0 ? a.slice(a.length - s) : '';
  return fuseWildcards(prefix + WILDCARD + suffix);
}
