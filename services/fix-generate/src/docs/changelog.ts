/**
 * The changelog entry of a fix, written from the incident and the diagnosis: what broke, why, and what changed.
 * Prepended under the changelog's "Unreleased" section when it has one (Keep a Changelog style), else at the top
 * after the title; a repository without a changelog gets CHANGELOG.md. Text from telemetry (a log template) is
 * quoted as Markdown code, so it cannot become a link, a heading or HTML.
 */
export const CHANGELOG_NAMES = ['CHANGELOG.md', 'Changelog.md', 'changelog.md', 'HISTORY.md', 'CHANGES.md'];

export interface ChangelogInput {
  incidentId: string;
  /** The symptom in a few words, e.g. the issue title. */
  symptom: string;
  /** The cause, one sentence. */
  cause: string;
  /** What the fix changes, one sentence. */
  change: string;
  /** Log templates or messages to quote (untrusted). */
  quotes?: string[];
}

/** Markdown inline code that holds any text: the fence is longer than any run of backticks inside. */
export function inlineCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').slice(0, 200);
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Plain text for Markdown prose: no markup characters that could start a link, an image, HTML or a heading. */
export function plain(text: string): string {
  return text
    .replace(/<\*>/g, '…')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[<>[\]`*_#|\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);
}

export function changelogEntry(input: ChangelogInput): string {
  const quotes = (input.quotes ?? []).slice(0, 3).map(inlineCode);
  return (
    `- Fixed: ${plain(input.symptom)} (incident ${plain(input.incidentId)}). ${plain(input.cause)} ` +
    `${plain(input.change)}${quotes.length ? ` Seen in the logs as ${quotes.join(', ')}.` : ''}\n`
  );
}

/** The changelog text with the entry added, and the file it goes to. */
export function withEntry(
  existing: { path: string; text: string } | null,
  entry: string,
): { path: string; text: string } {
  if (!existing) return { path: 'CHANGELOG.md', text: `# Changelog\n\n## Unreleased\n\n${entry}` };
  const lines = existing.text.split('\n');
  const unreleased = lines.findIndex((l) => /^##\s*\[?unreleased\]?/i.test(l));
  if (unreleased >= 0) {
    let at = unreleased + 1;
    while (at < lines.length && lines[at]!.trim() === '') at++;
    // Under a "### Fixed" subsection when the section has one.
    const fixed = lines.findIndex((l, i) => i > unreleased && /^###\s*fixed/i.test(l));
    const nextSection = lines.findIndex((l, i) => i > unreleased && /^##\s/.test(l));
    if (fixed >= 0 && (nextSection < 0 || fixed < nextSection)) {
      at = fixed + 1;
      while (at < lines.length && lines[at]!.trim() === '') at++;
    }
    lines.splice(at, 0, entry.trimEnd());
    return { path: existing.path, text: lines.join('\n') };
  }
  const title = lines.findIndex((l) => /^#\s/.test(l));
  const at = title >= 0 ? title + 1 : 0;
  lines.splice(at, 0, '', '## Unreleased', '', entry.trimEnd());
  return { path: existing.path, text: lines.join('\n') };
}
