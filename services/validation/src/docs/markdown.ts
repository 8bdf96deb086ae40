/**
 * The parts of a Markdown document the documentation check reads: headings (as GitHub anchors), links with their
 * lines, and fenced code blocks. A line scanner, not a full CommonMark parser: links inside code (fenced blocks,
 * indented blocks, inline code spans) are not links, which is what matters for a false "broken link".
 */

export interface MarkdownLink {
  line: number;
  target: string;
}

export interface CodeBlock {
  /** Info string's first word, lower case ('' when none). */
  lang: string;
  /** The rest of the info string, e.g. `ignore`. */
  attributes: string;
  /** Line of the opening fence (1-based); the code starts on the next line. */
  line: number;
  /** Line of the closing fence, or the last line when the block is never closed. */
  endLine: number;
  code: string;
}

export interface MarkdownDocument {
  /** Anchors of the document: heading slugs (GitHub style, duplicates numbered) and explicit `id`/`name` anchors. */
  anchors: Set<string>;
  links: MarkdownLink[];
  codeBlocks: CodeBlock[];
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const REFERENCE = /^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)>?/;
const HTML_ANCHOR = /<a\s[^>]*?\b(?:name|id)\s*=\s*["']([^"']+)["']/gi;

export function parseMarkdown(text: string): MarkdownDocument {
  const lines = text.split(/\r?\n/);
  const links: MarkdownLink[] = [];
  const codeBlocks: CodeBlock[] = [];
  const headings: string[] = [];
  const explicit = new Set<string>();
  let fence: { marker: string; block: CodeBlock; body: string[] } | null = null;
  let previousText: string | null = null;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    if (fence) {
      const close = FENCE.exec(raw);
      if (
        close &&
        close[2]![0] === fence.marker[0] &&
        close[2]!.length >= fence.marker.length &&
        close[3]!.trim() === ''
      ) {
        fence.block.endLine = lineNo;
        fence.block.code = fence.body.join('\n');
        codeBlocks.push(fence.block);
        fence = null;
      } else fence.body.push(raw);
      continue;
    }
    const open = FENCE.exec(raw);
    if (open && !(open[2]![0] === '`' && open[3]!.includes('`'))) {
      const [lang = '', ...rest] = open[3]!.trim().split(/\s+/);
      fence = {
        marker: open[2]!,
        block: {
          lang: lang.toLowerCase(),
          attributes: rest.join(' '),
          line: lineNo,
          endLine: lineNo,
          code: '',
        },
        body: [],
      };
      previousText = null;
      continue;
    }
    // An indented code block (after a blank line) holds no links or headings.
    if (/^( {4}|\t)/.test(raw) && previousText === null) continue;
    const atx = ATX.exec(raw);
    if (atx) {
      headings.push(atx[2] ?? '');
      previousText = null;
    } else if (SETEXT.test(raw) && previousText !== null && previousText.trim() !== '') {
      // `---` under a paragraph line makes it a heading; under a blank line it is a rule.
      headings.push(previousText.trim());
      previousText = null;
      continue;
    }
    for (const m of raw.matchAll(HTML_ANCHOR)) explicit.add(m[1]!);
    const ref = REFERENCE.exec(raw);
    if (ref) links.push({ line: lineNo, target: ref[1]! });
    else for (const target of inlineLinks(raw)) links.push({ line: lineNo, target });
    previousText = raw.trim() === '' || atx ? null : raw;
  }
  if (fence) {
    fence.block.endLine = lines.length;
    fence.block.code = fence.body.join('\n');
    codeBlocks.push(fence.block);
  }
  const anchors = new Set(explicit);
  const seen = new Map<string, number>();
  for (const heading of headings) {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return { anchors, links, codeBlocks };
}

/** Targets of inline links and images on one line, code spans and autolinks aside. */
function inlineLinks(line: string): string[] {
  const text = line.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length));
  const out: string[] = [];
  // [text](target "title") and ![alt](target); the text may hold one level of brackets (an image in a link).
  const re =
    /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+(?:\([^\s)]*\)[^\s)]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (const m of text.matchAll(re)) {
    const target = m[1]!.startsWith('<') ? m[1]!.slice(1, -1) : m[1]!;
    out.push(target);
  }
  return out;
}

/**
 * GitHub's heading anchors (github-slugger): the heading's rendered text, lower case, punctuation removed, spaces to
 * hyphens. Markup is rendered first: links and images become their text, code spans their content, emphasis goes.
 */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(`+)(.*?)\1/g, '$2')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/\*(\S(?:.*?\S)?)\*/g, '$1')
    // Underscores emphasise only at word boundaries: snake_case_names keep theirs.
    .replace(/(^|[^\p{L}\p{N}_])__(\S(?:.*?\S)?)__(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/(^|[^\p{L}\p{N}_])_(\S(?:.*?\S)?)_(?![\p{L}\p{N}_])/gu, '$1$2');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
