import { describe, expect, it } from 'vitest';
import { checkDocumentation, type DocumentationInput } from './check.js';
import { changedFiles } from './diff.js';
import {
  API_DOC,
  API_DOC_RENAMED,
  FIX_PATCH,
  HEADING_RENAME_PATCH,
  MOVE_PATCH,
  PATCHED_CHANGELOG,
  PATCHED_README,
} from './fixtures.spec.js';
import { resolveLink } from './links.js';
import { githubSlug, parseMarkdown } from './markdown.js';

/** A patched tree as `read`/`exists` see it; asked paths are recorded so tests can see nothing escapes. */
function tree(files: Record<string, string>, dirs: string[] = []) {
  const asked: string[] = [];
  const io: Pick<DocumentationInput, 'read' | 'exists'> = {
    read: async (path) => {
      asked.push(path);
      return Object.hasOwn(files, path) ? files[path] : undefined;
    },
    exists: async (path) => {
      asked.push(path);
      return Object.hasOwn(files, path) || dirs.includes(path) || path === '.';
    },
  };
  return { io, asked };
}

const REPO = {
  'README.md': PATCHED_README,
  'CHANGELOG.md': PATCHED_CHANGELOG,
  'docs/api.md': API_DOC,
  LICENSE: 'MIT\n',
  'src/app.ts': 'export const a = 2;\n',
};

describe('checkDocumentation on a fix with a changelog entry and README edits', () => {
  it('finds broken links, lost anchors and code blocks that do not parse, each on its line', async () => {
    const { io, asked } = tree(REPO, ['docs']);
    const result = await checkDocumentation({ diff: FIX_PATCH, changelogRequired: true, ...io });
    expect(result.filesChecked).toBe(2);
    expect(result.passed).toBe(false);
    const found = result.problems.map((p) => [p.file, p.line, p.rule, p.message]);
    expect(found).toEqual([
      [
        'README.md',
        18,
        'broken-link',
        'link "docs/api.md#refunds": docs/api.md has no heading with the anchor #refunds',
      ],
      [
        'README.md',
        18,
        'broken-link',
        'link "docs/missing.md": docs/missing.md does not exist in the repository',
      ],
      ['README.md', 19, 'broken-link', 'link "#nope": this file has no heading with the anchor #nope'],
      ['README.md', 19, 'broken-link', 'link "../../etc/passwd": points outside the repository'],
      [
        'README.md',
        42,
        'broken-link',
        'link "#configuration": this file has no heading with the anchor #configuration (the patch removed or renamed it)',
      ],
      ['README.md', 23, 'code-block', expect.stringMatching(/^JSON: /)],
      ['README.md', 27, 'code-block', "ts: ')' expected."],
      ['README.md', 35, 'code-block', 'js: Type annotations can only be used in TypeScript files.'],
    ]);
    // Good links pass: docs/api.md#charges, #settings, the second "Usage" as #usage-1, /LICENSE from the root.
    expect(result.notChecked).toEqual([{ file: 'README.md', line: 19, url: 'https://example.com/x' }]);
    // Nothing outside the repository was asked for, and the link in inline code was not followed.
    expect(asked.some((p) => p.includes('..') || p.includes('etc/passwd') || p === 'nowhere.md')).toBe(false);
  });

  it('accepts the changelog entry the fix stage writes, and reports a patch without one', async () => {
    const { io } = tree(REPO);
    const onlyCode = FIX_PATCH.slice(FIX_PATCH.indexOf('diff --git a/src/app.ts'));
    const withEntry = await checkDocumentation({
      diff: FIX_PATCH.slice(0, FIX_PATCH.indexOf('diff --git a/README.md')),
      changelogRequired: true,
      ...io,
    });
    expect(withEntry).toMatchObject({ filesChecked: 1, problems: [], passed: true });

    const without = await checkDocumentation({ diff: onlyCode, changelogRequired: true, ...io });
    expect(without.problems).toEqual([
      {
        file: 'CHANGELOG.md',
        line: null,
        rule: 'missing-changelog',
        message: 'the patch adds no entry to CHANGELOG.md',
      },
    ]);
    const noChangelogAnywhere = await checkDocumentation({
      diff: onlyCode,
      changelogRequired: true,
      ...tree({}).io,
    });
    expect(noChangelogAnywhere.problems[0]?.message).toMatch(/has no changelog/);
    expect(await checkDocumentation({ diff: onlyCode, changelogRequired: false, ...io })).toMatchObject({
      filesChecked: 0,
      passed: true,
    });
  });

  it('does not count a changelog change that adds only a heading', async () => {
    const diff = [
      'diff --git a/HISTORY.md b/HISTORY.md',
      '--- a/HISTORY.md',
      '+++ b/HISTORY.md',
      '@@ -1,3 +1,5 @@',
      ' # History',
      ' ',
      '+## Unreleased',
      '+',
      ' ## 1.0.0',
      '',
    ].join('\n');
    const result = await checkDocumentation({
      diff,
      changelogRequired: true,
      ...tree({ 'HISTORY.md': '# History\n\n## Unreleased\n\n## 1.0.0\n' }).io,
    });
    expect(result.problems).toMatchObject([
      { file: 'HISTORY.md', rule: 'missing-changelog', message: expect.stringContaining('adds no entry') },
    ]);
  });
});

describe('what the patch did not touch', () => {
  it('a renamed heading breaks links to it on lines the patch left alone', async () => {
    const { io } = tree({ 'docs/api.md': API_DOC_RENAMED });
    const result = await checkDocumentation({ diff: HEADING_RENAME_PATCH, changelogRequired: false, ...io });
    expect(result.problems).toEqual([
      {
        file: 'docs/api.md',
        line: 11,
        rule: 'broken-link',
        message:
          'link "#charges": this file has no heading with the anchor #charges (the patch removed or renamed it)',
      },
    ]);
  });

  it('old problems on unchanged lines are not the patch’s', async () => {
    const readme = '# Title\n\nOld [broken](gone.md) link.\n\nNew line with [api](docs/api.md).\n';
    const diff = [
      'diff --git a/README.md b/README.md',
      '--- a/README.md',
      '+++ b/README.md',
      '@@ -3,2 +3,4 @@',
      ' Old [broken](gone.md) link.',
      ' ',
      '+New line with [api](docs/api.md).',
      '',
    ].join('\n');
    // The hunk header says the added line is line 5.
    const result = await checkDocumentation({
      diff,
      changelogRequired: false,
      ...tree({ 'README.md': readme, 'docs/api.md': API_DOC }).io,
    });
    expect(result).toMatchObject({ filesChecked: 1, problems: [], passed: true });
  });

  it('a moved file: links in the new file resolve to the new name, percent-encoded', async () => {
    const files = {
      'docs/api reference.md': API_DOC,
      'docs/guide.md': '# Guide\n\nRead the [API](api%20reference.md#errors) and [old](api.md).\n',
    };
    const result = await checkDocumentation({
      diff: MOVE_PATCH,
      changelogRequired: false,
      ...tree(files).io,
    });
    // The renamed file counts as changed Markdown too.
    expect(result.filesChecked).toBe(2);
    expect(result.problems).toEqual([
      {
        file: 'docs/guide.md',
        line: 3,
        rule: 'broken-link',
        message: 'link "api.md": docs/api.md does not exist in the repository',
      },
    ]);
  });

  it('a file moved to another folder has all its relative links checked from the new place', async () => {
    const diff = [
      'diff --git a/docs/api.md b/reference/api.md',
      'similarity index 100%',
      'rename from docs/api.md',
      'rename to reference/api.md',
      '',
    ].join('\n');
    const moved = '# API\n\nSee the [guide](guide.md) and the [readme](../README.md#usage).\n';
    const result = await checkDocumentation({
      diff,
      changelogRequired: false,
      ...tree({ 'reference/api.md': moved, 'docs/guide.md': '# Guide\n', 'README.md': PATCHED_README }).io,
    });
    expect(result.problems).toEqual([
      {
        file: 'reference/api.md',
        line: 3,
        rule: 'broken-link',
        message: 'link "guide.md": reference/guide.md does not exist in the repository',
      },
    ]);
  });
});

describe('pieces', () => {
  it('reads renames, deletions, new files and quoted paths from a git diff', () => {
    const files = changedFiles(MOVE_PATCH);
    expect(files.map((f) => [f.oldPath, f.newPath, f.added.length])).toEqual([
      ['LICENSE', null, 0],
      ['docs/api.md', 'docs/api reference.md', 0],
      [null, 'docs/guide.md', 3],
    ]);
    const quoted = changedFiles(
      'diff --git "a/docs/caf\\303\\251.md" "b/docs/caf\\303\\251.md"\n--- "a/docs/caf\\303\\251.md"\n+++ "b/docs/caf\\303\\251.md"\n@@ -1 +1 @@\n-a\n+b\n',
    );
    expect(quoted[0]).toMatchObject({
      newPath: 'docs/café.md',
      added: [{ line: 1, text: 'b' }],
      removed: ['a'],
    });
  });

  it('slugs headings as GitHub does', () => {
    expect(githubSlug('API: `createApp(options)`')).toBe('api-createappoptions');
    expect(githubSlug("What's new in 1.4.0?")).toBe('whats-new-in-140');
    expect(githubSlug('snake_case_name')).toBe('snake_case_name');
    expect(githubSlug('**Bold** and _emphasis_')).toBe('bold-and-emphasis');
    expect(githubSlug('See [the docs](x.md)')).toBe('see-the-docs');
    expect(githubSlug('Ünïcode Straße')).toBe('ünïcode-straße');
    const doc = parseMarkdown(
      '# A\n\nSetext\n======\n\n## A\n\n<a name="custom"></a>\n\n```md\n# not a heading\n```\n',
    );
    expect([...doc.anchors].sort()).toEqual(['a', 'a-1', 'custom', 'setext']);
  });

  it('resolves links inside the repository only', () => {
    expect(resolveLink('docs/guide.md', '../README.md#usage')).toEqual({
      kind: 'local',
      path: 'README.md',
      anchor: 'usage',
    });
    expect(resolveLink('docs/guide.md', '/src/app.ts?plain=1#L3')).toEqual({
      kind: 'local',
      path: 'src/app.ts',
      anchor: 'L3',
    });
    expect(resolveLink('docs/guide.md', '../../x.md')).toMatchObject({ kind: 'invalid' });
    expect(resolveLink('README.md', '%2e%2e/secret')).toMatchObject({ kind: 'invalid' });
    expect(resolveLink('README.md', 'a%ZZ')).toMatchObject({ kind: 'invalid' });
    expect(resolveLink('README.md', 'mailto:ops@example.com')).toEqual({ kind: 'ignored' });
    expect(resolveLink('README.md', '//cdn.example.com/x.js')).toMatchObject({ kind: 'external' });
    expect(resolveLink('README.md', 'docs/')).toEqual({ kind: 'local', path: 'docs', anchor: null });
  });
});
