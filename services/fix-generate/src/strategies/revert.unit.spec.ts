import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FullRevert, PartialRevert } from './revert.js';
import { git, gitRepoView, gitScratch } from './testing/gitRepo.js';
import type { FixInput, IssueView, RemedyView } from './types.js';

// A small repository built per test: the suspect commit changes a comparison and, further down, a message; a later
// commit rewrites the message line again, so the whole revert conflicts and only the comparison can be undone.

const body = (cmp: string, message: string, header = '') =>
  [
    header,
    'export function admit(x: number): string {',
    `  if (x ${cmp} 10) {`,
    "    return 'no';",
    '  }',
    '  const a = 1;',
    '  const b = 2;',
    '  const c = 3;',
    '  const d = 4;',
    '  const e = 5;',
    '  const f = 6;',
    `  return '${message}' + String(a + b + c + d + e + f);`,
    '}',
    '',
  ]
    .filter((l, i) => i > 0 || l !== '')
    .join('\n');

const dirs: string[] = [];
const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of disposers.splice(0)) await d();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function repoWith(texts: string[]): Promise<{ repo: string; shas: string[] }> {
  const repo = await mkdtemp(join(tmpdir(), 'revert-spec-'));
  dirs.push(repo);
  await git(repo, ['init', '-q', '-b', 'main']);
  await git(repo, ['config', 'user.email', 't@example.invalid']);
  await git(repo, ['config', 'user.name', 'T']);
  await mkdir(join(repo, 'src'));
  const shas: string[] = [];
  for (const [i, text] of texts.entries()) {
    await writeFile(join(repo, 'src/admit.ts'), text);
    await git(repo, ['add', 'src/admit.ts']);
    await git(repo, ['commit', '-q', '-m', `step ${i}`]);
    shas.push((await git(repo, ['rev-parse', 'HEAD'])).trim());
  }
  return { repo, shas };
}

function issueAt(line: number, sha: string): IssueView {
  return {
    id: 'i1',
    kind: 'behavioral',
    title: 'admits one too few',
    hypothesis: '',
    confidence: 0.8,
    lines: [
      { path: 'src/admit.ts', line, score: 4, why: `changed in ${sha.slice(0, 7)} "step 1"` },
      { path: 'src/admit.ts', line: line + 1, score: 0.5, why: 'in admit' },
    ],
    suspects: [{ sha, score: 1, subject: 'step 1' }],
    evidence: {},
    bounded: true,
  };
}

async function inputFor(
  repo: string,
  base: string,
  issue: IssueView,
  kind: RemedyView['kind'],
): Promise<FixInput> {
  const scratch = await gitScratch(repo, base);
  disposers.push(() => scratch.dispose());
  return {
    repo: await gitRepoView(repo, base),
    issue,
    remedy: { id: 'r1', kind, summary: '', confidence: 0.5, targets: [] },
    scratch: async () => {
      await scratch.reset();
      return scratch;
    },
  };
}

describe('FullRevert', () => {
  it('given a suspect no later commit touches, when generating, then the candidate is the code before it', async () => {
    const { repo, shas } = await repoWith([body('>', 'ok'), body('>=', 'fine')]);
    const input = await inputFor(repo, shas[1]!, issueAt(2, shas[1]!), 'revert-commit');
    const [c, ...rest] = await new FullRevert().generate(input);
    expect(rest).toEqual([]);
    expect(c!.files.get('src/admit.ts')).toBe(body('>', 'ok'));
    expect(c!.fit).toBeGreaterThan(0.5);
  });

  it('given a later commit that rewrote the suspect lines, when generating, then no candidate and no throw', async () => {
    const { repo, shas } = await repoWith([body('>', 'ok'), body('>=', 'fine'), body('>=', 'great')]);
    const input = await inputFor(repo, shas[2]!, issueAt(2, shas[1]!), 'revert-commit');
    expect(await new FullRevert().generate(input)).toEqual([]);
  });
});

describe('PartialRevert', () => {
  it('given a later commit on another hunk of the suspect, when generating, then only the evidence hunk is undone', async () => {
    const { repo, shas } = await repoWith([
      body('>', 'ok'),
      body('>=', 'fine'),
      // builds on the suspect's message and moves every line down by two
      body('>=', 'great', '// admission rules\n// (see the handbook)'),
    ]);
    const input = await inputFor(repo, shas[2]!, issueAt(4, shas[1]!), 'revert-hunks');
    const candidates = await new PartialRevert().generate(input);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]!.files.get('src/admit.ts')).toBe(
      body('>', 'great', '// admission rules\n// (see the handbook)'),
    );
    expect(candidates[0]!.fit).toBeGreaterThan(0.7);
  });

  it('given evidence far from every hunk of the suspect, when generating, then no candidate', async () => {
    const { repo, shas } = await repoWith([body('>', 'ok'), body('>=', 'ok')]);
    const input = await inputFor(repo, shas[1]!, issueAt(8, shas[1]!), 'revert-hunks');
    expect(await new PartialRevert().generate(input)).toEqual([]);
  });

  it('given evidence on both hunks, when generating, then both hunks together, then the strongest alone', async () => {
    const { repo, shas } = await repoWith([body('>', 'ok'), body('>=', 'fine')]);
    const issue = issueAt(2, shas[1]!);
    issue.lines.push({ path: 'src/admit.ts', line: 11, score: 1, why: 'in admit' });
    const input = await inputFor(repo, shas[1]!, issue, 'revert-hunks');
    const [both, strongest] = await new PartialRevert().generate(input);
    expect(both!.files.get('src/admit.ts')).toBe(body('>', 'ok'));
    expect(strongest!.files.get('src/admit.ts')).toBe(body('>', 'fine'));
    expect(both!.fit).toBeGreaterThan(strongest!.fit);
  });

  it('given a later commit that edited the first line of the suspect block, then the rest of the block is undone', async () => {
    // The suspect replaced a fallback by a throw; a later commit then added a carrier to its first line.
    const carrier = (choice: string, rest: string[]) =>
      ['export function carrier(country: string, heavy: boolean): string {', choice, ...rest, '}', ''].join(
        '\n',
      );
    const before = [
      '  for (const c of preferred) if (SERVES[c]!.includes(country)) return c;',
      "  return 'ups';",
    ];
    const after = [
      '  const c = preferred.find((x) => SERVES[x]!.includes(country));',
      "  if (!c) throw new Error('no carrier');",
      '  return c;',
    ];
    const { repo, shas } = await repoWith([
      carrier("  const preferred = heavy ? ['dpd'] : ['dhl', 'dpd'];", before),
      carrier("  const preferred = heavy ? ['dpd'] : ['dhl', 'dpd', 'ups'];", after),
      carrier("  const preferred = heavy ? ['dpd', 'dhl'] : ['dhl', 'dpd', 'ups'];", after),
    ]);
    const input = await inputFor(repo, shas[2]!, issueAt(4, shas[1]!), 'revert-hunks');
    const [c, ...rest] = await new PartialRevert().generate(input);
    expect(rest).toEqual([]);
    expect(c!.files.get('src/admit.ts')).toBe(
      carrier("  const preferred = heavy ? ['dpd', 'dhl'] : ['dhl', 'dpd', 'ups'];", before),
    );
    expect(c!.rationale).toContain('still stands');
  });

  it('given a later commit that edited the middle of the suspect block, then nothing is undone', async () => {
    const lines = (a: string, b: string, c: string) => ['function f() {', a, b, c, '}', ''].join('\n');
    const { repo, shas } = await repoWith([
      lines('  one();', '  two();', '  three();'),
      lines('  uno();', '  dos();', '  tres();'),
      lines('  uno();', '  dos(extra);', '  tres();'),
    ]);
    const input = await inputFor(repo, shas[2]!, issueAt(2, shas[1]!), 'revert-hunks');
    expect(await new PartialRevert().generate(input)).toEqual([]);
  });
});
