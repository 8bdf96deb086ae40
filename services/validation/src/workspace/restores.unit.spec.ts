import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoredProductionFiles } from './restores.js';
import { treeGit } from './trees.js';

describe('restoredProductionFiles', () => {
  let dir: string;
  const commits: Record<string, string> = {};
  const write = (path: string, text: string) => writeFile(join(dir, path), text);
  const commit = async (name: string) => {
    await treeGit(dir, ['add', '-A']);
    await treeGit(dir, ['commit', '-q', '-m', name]);
    commits[name] = (await treeGit(dir, ['rev-parse', 'HEAD'])).trim();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restores-'));
    await treeGit(dir, ['init', '-q']);
    await mkdir(join(dir, 'src'));
    await mkdir(join(dir, 'test'));
    await write('src/checkout.ts', 'pay();\nconfirm();\n');
    await write('src/cart.ts', 'export const max = 10;\n');
    await commit('good');
    // The release: the fault (a step moved) and a decoy elsewhere.
    await write('src/checkout.ts', 'confirm();\npay();\n');
    await write('src/cart.ts', 'export const max = 12;\n');
    await commit('release');
    // A revert of the fault's file, with a changelog and a test beside it.
    await write('src/checkout.ts', 'pay();\nconfirm();\n');
    await write('CHANGELOG.md', '- order restored\n');
    await write('test/checkout.test.ts', 'test();\n');
    await commit('revert');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the production files the patch gives back as they were at the good commit', async () => {
    expect(
      await restoredProductionFiles(dir, commits.good!, [
        'src/checkout.ts',
        'CHANGELOG.md',
        'test/checkout.test.ts',
      ]),
    ).toEqual(['src/checkout.ts']);
  });

  it('is null when one changed production file is not as it was (the decoy kept)', async () => {
    expect(await restoredProductionFiles(dir, commits.good!, ['src/checkout.ts', 'src/cart.ts'])).toBeNull();
  });

  it('is null when the patch changes no production source, or the commit is not in the history', async () => {
    expect(await restoredProductionFiles(dir, commits.good!, ['CHANGELOG.md'])).toBeNull();
    expect(await restoredProductionFiles(dir, 'f'.repeat(40), ['src/checkout.ts'])).toBeNull();
    expect(await restoredProductionFiles(dir, '--output=/tmp/x', ['src/checkout.ts'])).toBeNull();
  });

  it("given the release's commit, accepts a file that keeps some of the release's hunks exactly and no other change", async () => {
    // One file, two changes in the release: the fault (a step moved) and a decoy (a log line) far from it.
    const lines = (moved: boolean, decoy: boolean, extra = false) =>
      [
        ...(moved ? ['confirm();', 'pay();'] : ['pay();', 'confirm();']),
        ...Array.from({ length: 12 }, (_, i) => `step${i}();`),
        decoy ? 'log("done", user.agent);' : 'log("done");',
        ...(extra ? ['retry();'] : []),
      ].join('\n') + '\n';
    const d = await mkdtemp(join(tmpdir(), 'restores-hunks-'));
    const at: Record<string, string> = {};
    const commitAs = async (name: string, text: string) => {
      await writeFile(join(d, 'src', 'flow.ts'), text);
      await treeGit(d, ['add', '-A']);
      await treeGit(d, ['commit', '-q', '-m', name]);
      at[name] = (await treeGit(d, ['rev-parse', 'HEAD'])).trim();
    };
    try {
      await treeGit(d, ['init', '-q']);
      await mkdir(join(d, 'src'));
      await commitAs('good', lines(false, false));
      await commitAs('release', lines(true, true));
      await commitAs('undo-fault', lines(false, true));
      expect(await restoredProductionFiles(d, at.good!, ['src/flow.ts'], at.release!)).toEqual([
        'src/flow.ts',
      ]);
      // Without the release's commit only whole files count.
      expect(await restoredProductionFiles(d, at.good!, ['src/flow.ts'])).toBeNull();
      // The fault undone, and a line production never ran added: not a revert.
      await commitAs('undo-and-more', lines(false, true, true));
      expect(await restoredProductionFiles(d, at.good!, ['src/flow.ts'], at.release!)).toBeNull();
      // Nothing of the release taken out: not a revert either.
      await commitAs('same', lines(true, true));
      expect(await restoredProductionFiles(d, at.good!, ['src/flow.ts'], at.release!)).toBeNull();
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('reads a patch path as a literal path, not as pathspec magic', async () => {
    // As magic it would take in src/cart.ts, which differs; as the literal name of a file neither commit has, it is
    // the same on both sides.
    expect(await restoredProductionFiles(dir, commits.good!, [':(glob)src/*.ts'])).toEqual([
      ':(glob)src/*.ts',
    ]);
  });
});
