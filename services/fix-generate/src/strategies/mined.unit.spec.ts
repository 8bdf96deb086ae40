import { describe, expect, it } from 'vitest';
import { applyRewrite, introducedNames, MinedPatterns, mineRewrites, rewriteOf } from './mined.js';
import type { FixInput, RepoView } from './types.js';

const diffOf = (path: string, before: string, after: string) =>
  [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    '@@ -3 +3 @@',
    `-${before}`,
    `+${after}`,
    '',
  ].join('\n');

/** A repository view over a hand-written history: commits with their subjects and diffs, files at the base. */
function repoOf(history: Array<{ subject: string; diff: string }>, files: Record<string, string>): RepoView {
  return {
    baseCommit: 'b'.repeat(40),
    files: new Set(Object.keys(files)),
    read: async (p) => files[p],
    commitDiff: async (sha) => history[Number(sha.slice(0, 2))]!.diff,
    log: async () =>
      history.map((h, i) => ({
        sha: `${String(i).padStart(2, '0')}${'0'.repeat(38)}`,
        subject: h.subject,
        time: i,
      })),
  };
}

/** A guard remedy's input whose evidence is one line of one file. */
function inputAt(repo: RepoView, path: string, line: number): FixInput {
  return {
    repo,
    issue: {
      id: 'i',
      kind: 'error',
      title: '',
      hypothesis: '',
      confidence: 0.5,
      lines: [{ path, line, score: 1, why: 'stack frame 0' }],
      suspects: [],
      evidence: {},
      bounded: false,
    },
    remedy: { id: 'r', kind: 'guard', summary: '', confidence: 0.5, targets: [] },
    scratch: () => Promise.reject(new Error('not needed')),
  };
}

describe('rewriteOf', () => {
  it('given a one-line fix, then the edit with one token of context, names abstracted consistently', () => {
    const r = rewriteOf('  const n = user.name.trim();', '  const n = user.name?.trim();')!;
    expect(r.from.map((p) => ('hole' in p ? `<${p.hole}>` : p.text))).toEqual(['<i0>', '.', '<i1>']);
    expect(r.to.map((p) => ('hole' in p ? `<${p.hole}>` : p.text))).toEqual(['<i0>', '?.', '<i1>']);
  });

  it('given a declaration renamed, then no rewrite (its reads were renamed elsewhere)', () => {
    expect(
      rewriteOf(
        "  var trust = this.app.get('trust proxy fn');",
        "  var obj = this.app.get('trust proxy fn');",
      ),
    ).toBeUndefined();
    expect(rewriteOf('  const n = f(a);', '  const n = f(a, 0);')).toBeDefined();
  });

  it('given a change of layout only, then no rewrite', () => {
    expect(rewriteOf('f(a,b);', 'f(a, b);')).toBeUndefined();
  });
});

describe('introducedNames', () => {
  it('given a fix that swapped in another variable, then that name (a target file must already mention it)', () => {
    expect(introducedNames(rewriteOf('  var t = toString.call(fn);', '  var t = https.call(fn);')!)).toEqual([
      'https',
    ]);
  });

  it('given only holes and keywords on the right, then none; a new property name counts', () => {
    expect(
      introducedNames(rewriteOf('  const n = user.name.trim();', '  const n = user.name?.trim();')!),
    ).toEqual([]);
    expect(introducedNames(rewriteOf('  const v = load(id);', '  const v = await load(id);')!)).toEqual([]);
    expect(introducedNames(rewriteOf('  res.send(body);', '  res.end(body);')!)).toEqual(['end']);
  });
});

describe('applyRewrite', () => {
  it('given a line with a matching window, then the window rewritten with the bound names', () => {
    const r = { ...rewriteOf('if (x > 0) go();', 'if (x >= 0) go();')!, support: 2, examples: ['fix'] };
    expect(applyRewrite('  while (count > 10) step();', r)).toEqual([
      { start: 9, end: 19, text: 'count >= 10' },
    ]);
    expect(applyRewrite('  while (count < 10) step();', r)).toEqual([]);
    expect(applyRewrite('  while (count > limit) step();', r)).toEqual([]); // a literal hole takes literals only
  });

  it('given an edit of a call’s arguments, then it rewrites calls, not the condition of an if', () => {
    const r = {
      ...rewriteOf('  const s = pick(fn);', '  const s = pick(fn, 0);')!,
      support: 1,
      examples: ['fix'],
    };
    expect(applyRewrite('  if (fn) delete obj.default;', r)).toEqual([]);
    expect(applyRewrite('  return choose(handler);', r)).toEqual([
      { start: 9, end: 24, text: 'choose(handler, 0)' },
    ]);
  });
});

describe('MinedPatterns', () => {
  const history = [
    {
      subject: 'Fix crash on guests without a profile',
      diff: diffOf('src/a.ts', '  const n = user.profile.name;', '  const n = user.profile?.name;'),
    },
    {
      subject: 'Guard missing address',
      diff: diffOf('src/b.ts', '  return order.address.city;', '  return order.address?.city;'),
    },
    { subject: 'Add coupons', diff: diffOf('src/c.ts', '  const a = 1;', '  const a = 2;') },
    { subject: 'fix: tests', diff: diffOf('test/a.test.ts', '  x.y.z;', '  x.y?.z;') },
  ];
  const code = [
    'export function label(cart: { owner?: { email: string } }) {',
    '  return cart.owner.email;',
    '}',
    '',
  ].join('\n');

  it('given fixes that made the same edit twice, then one rewrite with support 2 (feature commits and tests ignored)', async () => {
    const mined = await mineRewrites(repoOf(history, {}));
    expect(mined).toHaveLength(1);
    expect(mined[0]!.support).toBe(2);
  });

  it('given the evidence on a line the pattern matches, then the candidate applies it there', async () => {
    const input = inputAt(repoOf(history, { 'src/l.ts': code }), 'src/l.ts', 2);
    const candidates = await new MinedPatterns().generate(input);
    // the pattern fits both dots of the chain: both are candidates, the stage's checks decide
    expect(candidates.map((c) => c.files.get('src/l.ts'))).toEqual(
      expect.arrayContaining([
        code.replace('cart.owner.email', 'cart.owner?.email'),
        code.replace('cart.owner.email', 'cart?.owner.email'),
      ]),
    );
    expect(candidates).toHaveLength(2);
    expect(candidates[0]!.fit).toBeGreaterThan(0.3);
  });

  it('given a past fix that swapped in a name the target file never mentions, then it is not applied there', async () => {
    const swap = [
      {
        subject: 'Fix the wrong client',
        diff: diffOf('src/h.ts', '  const r = http.get(url);', '  const r = https.get(url);'),
      },
    ];
    const target = [
      'export function f(url: string) {',
      '  const r = http.get(url);',
      '  return r;',
      '}',
      '',
    ].join('\n');
    const input = (text: string, line: number) =>
      inputAt(repoOf(swap, { 'src/f.ts': text }), 'src/f.ts', line);
    expect(await new MinedPatterns().generate(input(target, 2))).toEqual([]);
    const withHttps = `import https from 'node:https';\n${target}`;
    const [c] = await new MinedPatterns().generate(input(withHttps, 3));
    expect(c!.files.get('src/f.ts')).toBe(withHttps.replace('= http.get', '= https.get'));
  });
});
