export {
  checkDocumentation,
  type DocProblem,
  type DocRule,
  type DocumentationInput,
  type DocumentationResult,
} from './check.js';
export { checkChangelog, isChangelog, isEntryLine, CHANGELOG_FILE } from './changelog.js';
export { codeBlockError, isCheckedLanguage } from './codeBlocks.js';
export { changedFiles, type ChangedFile } from './diff.js';
export { resolveLink, isMarkdownPath, type LinkTarget } from './links.js';
export {
  parseMarkdown,
  githubSlug,
  type MarkdownDocument,
  type MarkdownLink,
  type CodeBlock,
} from './markdown.js';
