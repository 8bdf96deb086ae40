/**
 * Is a token secret-shaped? Secrets are random; identifiers are words. Randomness shows in two cheap measures:
 * Shannon entropy per character, and how often the character class (lower, upper, digit) changes between
 * neighbours: in a random base62 string about 60% of the time, in `PaymentServiceImpl2024` only at word
 * boundaries (under 30%).
 */

const LOWER = 1;
const UPPER = 2;
const DIGIT = 4;

function classOf(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return 0;
}

/** Shannon entropy in bits per character. */
export function entropyPerChar(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export interface TokenShape {
  length: number;
  /** Bit set of LOWER, UPPER, DIGIT found. */
  classes: number;
  /** Class changes between neighbouring letters and digits, per letter or digit. */
  switchRate: number;
  entropy: number;
}

export function shapeOf(token: string): TokenShape {
  let classes = 0;
  let previous = 0;
  let switches = 0;
  let alnum = 0;
  for (let i = 0; i < token.length; i++) {
    const c = classOf(token.charCodeAt(i));
    if (c === 0) continue;
    alnum++;
    classes |= c;
    if (previous !== 0 && c !== previous) switches++;
    previous = c;
  }
  return {
    length: token.length,
    classes,
    switchRate: alnum > 1 ? switches / (alnum - 1) : 0,
    entropy: entropyPerChar(token),
  };
}

const classCount = (classes: number): number => (classes & 1) + ((classes >> 1) & 1) + ((classes >> 2) & 1);

/**
 * A standalone token that is a secret by its looks alone: at least 20 characters of letters of both cases and
 * digits, switching class often, with high entropy. Lowercase hex (trace ids, hashes, UUIDs) never qualifies:
 * it has one letter case.
 */
export function isHighEntropyToken(token: string): boolean {
  if (token.length < 20 || token.startsWith('/')) return false;
  const shape = shapeOf(token);
  return shape.classes === (LOWER | UPPER | DIGIT) && shape.switchRate >= 0.4 && shape.entropy >= 3.5;
}

/**
 * A value after a key word that is likely the secret the word announces (`secret wJalrXUtn...`, `token a1b2c3d4`)
 * rather than prose (`token expired`, `password reset`): at least 8 characters, two classes of letters and
 * digits, not a plain word. `strict` (for weak key words such as `key`) asks for a long, random-looking value.
 */
export function isSecretShapedValue(value: string, strict = false): boolean {
  if (value.startsWith('<')) return false;
  if (strict) return value.length >= 16 && isRandomLooking(value);
  if (value.length < 8) return false;
  const shape = shapeOf(value);
  if (classCount(shape.classes) < 2) return /[+/=_\-!@#$%^*]/.test(value) && shape.entropy >= 3;
  return shape.switchRate >= 0.15 || shape.entropy >= 3.5;
}

function isRandomLooking(value: string): boolean {
  const shape = shapeOf(value);
  return classCount(shape.classes) >= 2 && shape.switchRate >= 0.25 && shape.entropy >= 3.3;
}

/** Per ASCII code: its class bits, and TOKEN for the characters high-entropy tokens are made of (base64, base64url). */
const TOKEN = 8;
const CHAR_TABLE = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const cls = classOf(c);
    table[c] = cls === 0 ? 0 : cls | TOKEN;
  }
  for (const c of '+/=_-') table[c.charCodeAt(0)] = TOKEN;
  return table;
})();

/**
 * True when the text holds a run of 20+ token characters with lower case, upper case and digits: the only runs
 * `isHighEntropyToken` can accept. One pass with a table lookup per character; a regex such as
 * `[A-Za-z0-9+/=_-]{20}` costs many times as much, on every line, most of which hold no such run.
 */
export function hasMixedTokenRun(text: string): boolean {
  let length = 0;
  let classes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const bits = code < 128 ? CHAR_TABLE[code]! : 0;
    if (bits === 0) {
      length = 0;
      classes = 0;
      continue;
    }
    length++;
    classes |= bits;
    if (length >= 20 && classes === (LOWER | UPPER | DIGIT | TOKEN)) return true;
  }
  return false;
}
