/**
 * The XML of test reports, read as a stream of elements and text. Reports come from the application under test, so
 * this reads only the subset test reporters write: elements, attributes, text, CDATA, comments, the XML declaration.
 * A DOCTYPE is refused outright (entity definitions live there, and no reporter writes one); only the five
 * predefined entities and character references are decoded, so nothing ever expands.
 */

export type XmlEvent =
  | { kind: 'open'; name: string; attributes: ReadonlyMap<string, string>; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

export class XmlLimitError extends Error {}

export interface XmlLimits {
  /** Characters of input read at most; larger input is refused rather than cut (a cut report lies). */
  maxChars: number;
  /** Open elements at most, so a hostile nesting cannot grow the stack without bound. */
  maxDepth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxChars: 64 * 1024 * 1024, maxDepth: 256 };

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ATTRIBUTE = /\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Decodes the predefined entities and character references; anything else stays as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

/**
 * Reads `xml` into events. Lenient about what a crashed reporter leaves (a truncated file ends the stream, an
 * unmatched close tag is passed on for the reader to ignore), strict about limits (throws XmlLimitError).
 */
export function* xmlEvents(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Generator<XmlEvent> {
  if (xml.length > limits.maxChars) {
    throw new XmlLimitError(`report of ${xml.length} characters is over the ${limits.maxChars} limit`);
  }
  let depth = 0;
  let at = 0;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    if (lt < 0) {
      yield { kind: 'text', text: decodeEntities(xml.slice(at)) };
      return;
    }
    if (lt > at) yield { kind: 'text', text: decodeEntities(xml.slice(at, lt)) };
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) return;
      at = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) return;
      yield { kind: 'text', text: xml.slice(lt + 9, end) };
      at = end + 3;
    } else if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) return;
      at = end + 2;
    } else if (xml.startsWith('<!', lt)) {
      throw new XmlLimitError('a DOCTYPE or other declaration in a test report is refused');
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) return;
      depth = Math.max(0, depth - 1);
      yield { kind: 'close', name: xml.slice(lt + 2, end).trim() };
      at = end + 1;
    } else {
      const tag = openTag(xml, lt);
      if (!tag) return;
      if (!tag.event.selfClosing && ++depth > limits.maxDepth) {
        throw new XmlLimitError(`elements nested deeper than ${limits.maxDepth}`);
      }
      yield tag.event;
      at = tag.end;
    }
  }
}

function openTag(xml: string, lt: number): { event: XmlEvent & { kind: 'open' }; end: number } | null {
  const name = NAME.exec(xml.slice(lt + 1, lt + 1 + 256))?.[0];
  if (!name) {
    // A stray '<' is text to a lenient reader; skip it so the loop moves on.
    return { event: { kind: 'open', name: '', attributes: new Map(), selfClosing: true }, end: lt + 1 };
  }
  const attributes = new Map<string, string>();
  let at = lt + 1 + name.length;
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(xml);
    if (!m) break;
    const key = m[1]!;
    if (!attributes.has(key)) attributes.set(key, decodeEntities(m[2] ?? m[3] ?? ''));
    at = ATTRIBUTE.lastIndex;
  }
  while (at < xml.length && /\s/.test(xml[at]!)) at++;
  if (xml.startsWith('/>', at))
    return { event: { kind: 'open', name, attributes, selfClosing: true }, end: at + 2 };
  if (xml[at] === '>') return { event: { kind: 'open', name, attributes, selfClosing: false }, end: at + 1 };
  // Malformed attributes: resynchronise on the tag's end rather than guess.
  const end = xml.indexOf('>', at);
  if (end < 0) return null;
  return { event: { kind: 'open', name, attributes, selfClosing: xml[end - 1] === '/' }, end: end + 1 };
}
