/**
 * The documentation check of a patch: the changelog entry present, links in changed Markdown resolving, code blocks
 * in changed Markdown parsing. Pure logic over the diff, with the patched tree behind `read` and `exists` (injected,
 * so the caller confines them to the tree; paths given to them are repository paths that never leave the root).
 *
 * Only what the patch touches is judged: links on added lines, code blocks holding an added line, and links anywhere
 * in a changed file whose anchor names a heading the patch removed (a renamed heading breaks them). Problems the
 * file already had elsewhere are not the patch's. All links of a file the patch moves to another folder are checked.
 * Links from unchanged files to a file or heading the patch removes are not (that needs the list of every Markdown
 * file of the repository).
 */
import { posix } from 'node:path';
import { checkChangelog } from './changelog.js';
import { codeBlockError, isCheckedLanguage } from './codeBlocks.js';
import { changedFiles } from './diff.js';
import { isMarkdownPath, resolveLink } from './links.js';
import { githubSlug, parseMarkdown, type MarkdownDocument } from './markdown.js';

export type DocRule = 'missing-changelog' | 'broken-link' | 'code-block';

export interface DocProblem {
  file: string;
  line: number | null;
  rule: DocRule;
  message: string;
}

export interface DocumentationInput {
  diff: string;
  read(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  changelogRequired: boolean;
}

export interface DocumentationResult {
  filesChecked: number;
  problems: DocProblem[];
  /** External links seen and not fetched, with where they are. */
  notChecked: Array<{ file: string; line: number; url: string }>;
  passed: boolean;
}

const MAX_FILES = 200;
const MAX_LINKS = 2000;

export async function checkDocumentation(input: DocumentationInput): Promise<DocumentationResult> {
  const files = changedFiles(input.diff);
  const problems: DocProblem[] = [];
  const notChecked: DocumentationResult['notChecked'] = [];

  if (input.changelogRequired) {
    const changelog = await checkChangelog(files, input.exists);
    if (!changelog.ok)
      problems.push({
        file: changelog.file,
        line: null,
        rule: 'missing-changelog',
        message: changelog.message,
      });
  }

  // Slugs of headings each changed file lost: links to them break even on lines the patch did not touch.
  const removedAnchors = new Map<string, Set<string>>();
  for (const f of files) {
    if (!f.oldPath || !isMarkdownPath(f.oldPath)) continue;
    const slugs = f.removed.flatMap((text) => {
      const m = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(text);
      return m ? [githubSlug(m[1]!)] : [];
    });
    if (slugs.length) removedAnchors.set(f.newPath ?? f.oldPath, new Set(slugs));
  }

  const documents = new Map<string, MarkdownDocument | null>();
  const documentOf = async (path: string) => {
    if (!documents.has(path)) {
      const text = await input.read(path);
      documents.set(path, text === undefined ? null : parseMarkdown(text));
    }
    return documents.get(path)!;
  };

  const markdown = files.filter((f) => f.newPath !== null && isMarkdownPath(f.newPath)).slice(0, MAX_FILES);
  let filesChecked = 0;
  let linksChecked = 0;
  for (const f of markdown) {
    const file = f.newPath!;
    const doc = await documentOf(file);
    if (!doc) continue;
    filesChecked++;
    const addedLines = new Set(f.added.map((a) => a.line));
    // A file moved to another folder: every relative link in it now starts from elsewhere.
    const moved = f.oldPath !== null && posix.dirname(f.oldPath) !== posix.dirname(file);

    for (const link of doc.links) {
      const target = resolveLink(file, link.target);
      const onAddedLine = moved || addedLines.has(link.line);
      if (target.kind === 'external') {
        if (onAddedLine) notChecked.push({ file, line: link.line, url: target.url.slice(0, 300) });
        continue;
      }
      if (target.kind === 'ignored') continue;
      if (target.kind === 'invalid') {
        if (onAddedLine) problems.push(broken(file, link.line, link.target, target.reason));
        continue;
      }
      const targetPath = target.path ?? file;
      const anchor = target.anchor?.toLowerCase() ?? null;
      const lostAnchor = anchor !== null && (removedAnchors.get(targetPath)?.has(anchor) ?? false);
      if (!onAddedLine && !lostAnchor) continue;
      if (++linksChecked > MAX_LINKS) break;
      if (target.path !== null && target.path !== '.' && !(await input.exists(target.path))) {
        problems.push(
          broken(file, link.line, link.target, `${target.path} does not exist in the repository`),
        );
        continue;
      }
      if (anchor === null || anchor === '' || !isMarkdownPath(targetPath)) continue;
      const targetDoc = await documentOf(targetPath);
      if (targetDoc && !targetDoc.anchors.has(anchor))
        problems.push(
          broken(
            file,
            link.line,
            link.target,
            `${target.path === null ? 'this file' : targetPath} has no heading with the anchor #${anchor}` +
              (lostAnchor ? ' (the patch removed or renamed it)' : ''),
          ),
        );
    }

    for (const block of doc.codeBlocks) {
      if (!isCheckedLanguage(block.lang)) continue;
      let touched = false;
      for (let l = block.line; l <= block.endLine && !touched; l++) touched = addedLines.has(l);
      if (!touched) continue;
      const error = codeBlockError(block);
      if (error)
        problems.push({ file, line: error.line, rule: 'code-block', message: error.message.slice(0, 500) });
    }
  }
  return { filesChecked, problems, notChecked, passed: problems.length === 0 };
}

function broken(file: string, line: number, target: string, reason: string): DocProblem {
  const shown = target.length > 120 ? `${target.slice(0, 120)}…` : target;
  return { file, line, rule: 'broken-link', message: `link ${JSON.stringify(shown)}: ${reason}` };
}
