/**
 * Generic masking of variable parts inside one whitespace-free token, before clustering. Written as character
 * scans (no regular expressions) so that it costs one pass per token and cannot backtrack.
 *
 * What becomes `<*>`: numbers (incl. signed, decimal, hex `0x..`), anything that starts with a digit (IPs,
 * times, versions, sizes like `12KB`, durations like `532ms`), URLs after their scheme (`hdfs://<*>`), absolute
 * paths, e-mail addresses, UUIDs and long hex strings, identifiers with an all-digit segment (`blk_123`,
 * `attempt_14_0020_m_000000_0`), random-looking alphanumerics (`FNANLI5`, `i3b7kn7r`), host names in
 * `host:port`, and the literals true/false/null. Structure is kept around the variables: `key=<*>`,
 * `<*>:<*>` for host:port, `(<*>)`, `Class@<*>`, `UPPER-<*>` (a kind code prefix such as `BP-` or `MININT-`).
 * Adjacent variables fuse as in the Loghub-2.0 template conventions: `<*>.<*>` and `<*><*>` become `<*>`.
 */

export const WILDCARD = '<*>';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isAlpha(c: number): boolean {
  return isUpper(c) || isLower(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Characters that separate pieces inside a token and stay in the template. */
function isDelimiter(c: number): boolean {
  switch (c) {
    case 58: // :
    case 61: // =
    case 44: // ,
    case 59: // ;
    case 40: // (
    case 41: // )
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 34: // "
    case 39: // '
    case 60: // <
    case 62: // >
    case 124: // |
    case 35: // #
    case 38: // &
    case 33: // !
    case 42: // *
      return true;
    default:
      return false;
  }
}

const LITERAL_VALUES = new Set(['true', 'false', 'null', 'none', 'nil', 'undefined', 'nan']);

function isLiteralValue(s: string): boolean {
  return s.length >= 3 && s.length <= 9 && LITERAL_VALUES.has(s.toLowerCase());
}

function allDigits(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

/** True when some segment between `_ . - $` separators is all digits (`blk_123`, `rdd_2_14`, `v1.2`). */
function hasDigitSegment(s: string): boolean {
  let start = 0;
  for (let k = 0; k <= s.length; k++) {
    const c = k < s.length ? s.charCodeAt(k) : 95;
    if (c === 95 || c === 46 || c === 45 || c === 36) {
      if (allDigits(s, start, k)) return true;
      start = k + 1;
    }
  }
  return false;
}

/** Letters and digits alternate often in generated ids (`i3b7kn7r`), rarely in names (`Slf4jLogger`, `log4j`). */
function letterDigitSwitches(s: string): number {
  let switches = 0;
  let prev = 0; // 1 letter, 2 digit
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    const kind = isDigit(c) ? 2 : isAlpha(c) ? 1 : 0;
    if (kind !== 0 && prev !== 0 && kind !== prev) switches++;
    if (kind !== 0) prev = kind;
  }
  return switches;
}

/** Whether the dash-separated segment starting at `from` contains a digit (`MININT-FNANLI5`, not `MSRA-SA-41`). */
function nextSegmentHasDigit(s: string, from: number): boolean {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 45) return false;
    if (isDigit(c)) return true;
  }
  return false;
}

function longestDigitRun(s: string): number {
  let best = 0;
  let run = 0;
  for (let k = 0; k < s.length; k++) {
    if (isDigit(s.charCodeAt(k))) {
      run++;
      if (run > best) best = run;
    } else run = 0;
  }
  return best;
}

/** Top-level domains that end fully qualified host names in logs. */
const TLDS = new Set([
  'com',
  'net',
  'org',
  'edu',
  'gov',
  'mil',
  'int',
  'io',
  'co',
  'info',
  'biz',
  'me',
  'app',
  'dev',
  'cloud',
  'local',
  'internal',
  'lan',
  'localdomain',
  'corp',
  'home',
  'arpa',
  'cn',
  'hk',
  'tw',
  'jp',
  'kr',
  'in',
  'uk',
  'de',
  'fr',
  'nl',
  'it',
  'es',
  'ru',
  'br',
  'au',
  'ca',
  'us',
  'eu',
  'ch',
  'se',
  'no',
  'fi',
  'dk',
  'pl',
  'be',
  'at',
  'cz',
  'sg',
]);

/** A lower-case dotted name ending in a top-level domain (`ns1.example.com`): a host, hence a value. */
function isDomainName(x: string): boolean {
  const dot = x.lastIndexOf('.');
  if (dot <= 0 || dot === x.length - 1) return false;
  for (let k = 0; k < x.length; k++) {
    const c = x.charCodeAt(k);
    if (!(isLower(c) || isDigit(c) || c === 45 || c === 46)) return false;
  }
  return TLDS.has(x.slice(dot + 1));
}

function looksLikeHostName(s: string): boolean {
  if (s.length < 3) return false;
  let dots = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 46) dots++;
    else if (!(isAlpha(c) || isDigit(c) || c === 45 || c === 95)) return false;
  }
  return dots > 0 || s === 'localhost';
}

function looksLikeEmail(s: string, at: number): boolean {
  if (at < 1) return false;
  const dot = s.indexOf('.', at + 2);
  return dot > 0 && dot < s.length - 1;
}

/** A single piece without delimiters, slashes already handled. */
function classifyAtom(x: string, beforePort: boolean): string {
  if (x.length === 0) return x;
  const c0 = x.charCodeAt(0);
  if (isDigit(c0)) return WILDCARD;
  if ((c0 === 45 || c0 === 43 || c0 === 46) && x.length > 1 && isDigit(x.charCodeAt(1))) return WILDCARD;
  let digits = 0;
  let upperOrDigit = true;
  let hex = true;
  for (let k = 0; k < x.length; k++) {
    const c = x.charCodeAt(k);
    if (isDigit(c)) digits++;
    else if (!isUpper(c)) upperOrDigit = false;
    if (!isHex(c) && c !== 45) hex = false;
  }
  if (digits === 0) {
    if (beforePort && looksLikeHostName(x)) return WILDCARD;
    if (isDomainName(x)) return WILDCARD;
    if (isLiteralValue(x)) return WILDCARD;
    return x;
  }
  // A kind code in capitals before a dash keeps its name: `BP-1088-10.1.2.3` -> `BP-<*>`.
  let p = 0;
  while (p < x.length && isUpper(x.charCodeAt(p))) p++;
  if (p >= 2 && x.charCodeAt(p) === 45 && p + 1 < x.length && nextSegmentHasDigit(x, p + 1)) {
    return x.slice(0, p + 1) + WILDCARD;
  }
  if (hasDigitSegment(x)) return WILDCARD;
  if (longestDigitRun(x) >= 5) return WILDCARD;
  if (hex && x.length >= 8) return WILDCARD;
  // Generated upper-case ids (`FNANLI5`, `QX7T2ZK`); short ones are more often names (`SOCKS5`, `HTTP2`).
  if (upperOrDigit && x.length >= 7) return WILDCARD;
  if (letterDigitSwitches(x) >= 3) return WILDCARD;
  if (beforePort && looksLikeHostName(x)) return WILDCARD;
  return x;
}

/** An absolute path (`/a/b`, `/a/b/`, `~/x`, `./x`) or a Windows one (`C:\x`). */
function isPath(p: string): boolean {
  const c0 = p.charCodeAt(0);
  if (c0 === 47 /* / */) return p.length > 1 && p.charCodeAt(1) !== 47;
  if ((c0 === 126 || c0 === 46) && p.charCodeAt(1) === 47 && p.length > 2) return true;
  return false;
}

function maskPiece(piece: string, beforePort: boolean): string {
  if (piece.length === 0) return piece;
  // A path owns its trailing dots (`/a/part-00590.`), as in the Loghub-2.0 path rule.
  if (isPath(piece)) return WILDCARD;
  // A sentence-ending dot is punctuation, not part of the value (`port 5070.`).
  let end = piece.length;
  while (end > 0 && piece.charCodeAt(end - 1) === 46) end--;
  if (end === 0) return piece;
  const core = end === piece.length ? piece : piece.slice(0, end);
  const tail = end === piece.length ? '' : piece.slice(end);
  if (isPath(core)) return WILDCARD + tail;
  const at = core.indexOf('@');
  if (at >= 0) {
    if (looksLikeEmail(core, at)) return WILDCARD + tail;
    return maskPiece(core.slice(0, at), false) + '@' + maskPiece(core.slice(at + 1), beforePort) + tail;
  }
  if (core.indexOf('/') >= 0 || core.indexOf('\\') >= 0) {
    let out = '';
    let start = 0;
    for (let k = 0; k <= core.length; k++) {
      const c = k < core.length ? core.charCodeAt(k) : 47;
      if (c === 47 || c === 92) {
        out += classifyAtom(core.slice(start, k), beforePort && k === core.length);
        if (k < core.length) out += core[k];
        start = k + 1;
      }
    }
    return out + tail;
  }
  return classifyAtom(core, beforePort) + tail;
}

/** Replaces `<*>.<*>` and `<*><*>` by `<*>` until stable (Loghub-2.0 DV and CV rules). */
export function fuseWildcards(s: string): string {
  if (s.indexOf('><*>') < 0 && s.indexOf('>.<*>') < 0) return s;
  let prev = '';
  let cur = s;
  while (prev !== cur) {
    prev = cur;
    cur = cur.split('<*>.<*>').join(WILDCARD).split('<*><*>').join(WILDCARD);
  }
  return cur;
}

/** Masks one whitespace-free token. Returns the token itself when nothing in it is variable. */
export function maskToken(tok: string): string {
  let needs = false;
  for (let k = 0; k < tok.length; k++) {
    const c = tok.charCodeAt(k);
    if (isDigit(c) || c === 47 || c === 64 || c === 92 || c === 46 || isDelimiter(c)) {
      needs = true;
      break;
    }
  }
  if (!needs) {
    if (tok.length >= 3 && tok.length <= 12) {
      const core = stripPunctuation(tok);
      if (core !== null && isLiteralValue(tok.slice(core[0], core[1]))) {
        return tok.slice(0, core[0]) + WILDCARD + tok.slice(core[1]);
      }
    }
    return tok;
  }
  const scheme = tok.indexOf('://');
  if (scheme > 0) return maskUrl(tok, scheme);

  let out = '';
  let start = 0;
  for (let k = 0; k <= tok.length; k++) {
    const c = k < tok.length ? tok.charCodeAt(k) : 0;
    if (k === tok.length || isDelimiter(c)) {
      if (k > start) {
        // `host:port`: the piece before `:digits` is a host when it looks like one.
        const beforePort = c === 58 && portFollows(tok, k + 1);
        out += maskPiece(tok.slice(start, k), beforePort);
      }
      if (k < tok.length) out += tok[k];
      start = k + 1;
    }
  }
  return fuseWildcards(out);
}

function portFollows(tok: string, from: number): boolean {
  let k = from;
  while (k < tok.length && isDigit(tok.charCodeAt(k))) k++;
  return (
    k > from &&
    k - from <= 5 &&
    (k === tok.length || isDelimiter(tok.charCodeAt(k)) || tok.charCodeAt(k) === 47)
  );
}

/** `scheme://anything` -> `scheme://<*>`, keeping leading and trailing punctuation around the URL. */
function maskUrl(tok: string, schemeAt: number): string {
  let s0 = schemeAt;
  while (s0 > 0) {
    const c = tok.charCodeAt(s0 - 1);
    if (isAlpha(c) || isDigit(c) || c === 43 || c === 46 || c === 45) s0--;
    else break;
  }
  let e = tok.length;
  while (e > schemeAt + 3) {
    const c = tok.charCodeAt(e - 1);
    if (c === 41 || c === 93 || c === 125 || c === 44 || c === 59 || c === 46 || c === 39 || c === 34) e--;
    else break;
  }
  const before = s0 > 0 ? maskToken(tok.slice(0, s0)) : '';
  const rest = tok.slice(schemeAt + 3, e);
  let digits = false;
  for (let k = 0; k < rest.length && !digits; k++) digits = isDigit(rest.charCodeAt(k));
  // A link without any number or query (documentation, a fixed endpoint) is part of the message text.
  if (!digits && rest.indexOf('?') < 0) return before + tok.slice(s0);
  // Only an authority `host:port`: keep its structure like a bare host:port.
  const colon = rest.indexOf(':');
  if (colon > 0 && rest.indexOf('/') < 0 && rest.indexOf('@') < 0 && allDigits(rest, colon + 1)) {
    return before + tok.slice(s0, schemeAt + 3) + WILDCARD + ':' + WILDCARD + tok.slice(e);
  }
  return before + tok.slice(s0, schemeAt + 3) + WILDCARD + tok.slice(e);
}

/** Bounds of the token without leading/trailing punctuation, or null when nothing remains. */
function stripPunctuation(tok: string): [number, number] | null {
  let a = 0;
  let b = tok.length;
  while (a < b && !isAlpha(tok.charCodeAt(a)) && !isDigit(tok.charCodeAt(a))) a++;
  while (b > a && !isAlpha(tok.charCodeAt(b - 1)) && !isDigit(tok.charCodeAt(b - 1))) b--;
  return a < b ? [a, b] : null;
}

/** True when the masked token is only variables and punctuation (`<*>`, `<*>:<*>`, `(<*>)`, `<*>,`). */
export function isPureVariable(masked: string): boolean {
  if (masked.indexOf(WILDCARD) < 0) return false;
  for (let k = 0; k < masked.length; k++) {
    const c = masked.charCodeAt(k);
    if (c === 60 && masked.charCodeAt(k + 1) === 42 && masked.charCodeAt(k + 2) === 62) {
      k += 2;
      continue;
    }
    if (isAlpha(c) || isDigit(c) || c > 127) return false;
  }
  return true;
}

/** Loghub-2.0 token delimiters for the word-with-variable rule (note: not `<`, `>`, `*`, `/`, `_`). */
function isCanonDelimiter(c: number): boolean {
  switch (c) {
    case 32:
    case 44:
    case 33:
    case 59:
    case 58:
    case 61:
    case 124:
    case 34:
    case 39:
    case 91:
    case 93:
    case 40:
    case 41:
    case 123:
    case 125:
    case 46:
    case 45:
    case 43:
    case 64:
    case 35:
    case 36:
    case 37:
    case 38:
      return true;
    default:
      return false;
  }
}

/**
 * Canonical template text for one slot, following the Loghub-2.0 template conventions (Khan et al., the
 * rules the corrected ground truth was written with): a word glued to a variable is a variable
 * (`blk_<*>` -> `<*>`, `<*>>` -> `<*>`), then `<*>.<*>` and `<*><*>` fuse.
 */
export function canonicalSlot(detail: string): string {
  if (detail.indexOf(WILDCARD) < 0) return detail;
  let out = '';
  let start = 0;
  for (let k = 0; k <= detail.length; k++) {
    const c = k < detail.length ? detail.charCodeAt(k) : 32;
    if (k === detail.length || isCanonDelimiter(c)) {
      const piece = detail.slice(start, k);
      if (piece !== WILDCARD && piece.indexOf(WILDCARD) >= 0 && piece.indexOf('/') < 0) out += WILDCARD;
      else out += piece;
      if (k < detail.length) out += detail[k];
      start = k + 1;
    }
  }
  return fuseWildcards(out);
}
