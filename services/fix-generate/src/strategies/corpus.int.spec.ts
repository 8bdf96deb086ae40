import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch, loadCorpus, materializeFault, type Corpus } from '@self-healing/sample-service';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStrategies } from './index.js';
import { endLine, namedFunctionAt, parse, startLine } from './templates/ast.js';
import { git, gitRepoView, gitScratch } from './testing/gitRepo.js';
import type { CandidateChange, EvidenceLine, IssueView, RemedyKind } from './types.js';

/**
 * The strategies on the seeded-fault corpus of the sample service: each fault materialized as its own repository,
 * an issue built from its ground truth the way the diagnosis reports one (the fault's lines, marked as changed by
 * the fault commit, which is the top suspect), every default strategy run, and each candidate compared with the
 * human fix: `same tree` when the changed source files print the same without comments and layout, `same lines`
 * when the candidate changes exactly the lines of the faulty release the human fix changes. Nothing runs the app.
 */

interface Outcome {
  fault: string;
  strategy: string;
  rank: number;
  fit: number;
  sameTree: boolean;
  sameLines: boolean;
  files: Map<string, string | null>;
}

const KIND: Record<string, IssueView['kind']> = {
  error: 'error',
  behaviour: 'behavioral',
  latency: 'performance',
  coverage: 'coverage',
};

const printed = (path: string, text: string | null) =>
  text === null
    ? null
    : ts
        .createPrinter({ removeComments: true })
        .printFile(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));

/** Lines of `before` that a change to `after` touches (1-based), from git's own diff. */
async function touchedLines(repo: string, before: string, after: string): Promise<Set<number>> {
  const dir = await mkdtemp(join(tmpdir(), 'touched-'));
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'a'), before);
    await writeFile(join(dir, 'b'), after);
    const out = await git(repo, [
      'diff',
      '--no-index',
      '-U0',
      '--no-color',
      join(dir, 'a'),
      join(dir, 'b'),
    ]).catch((e: { stdout?: string }) => e.stdout ?? '');
    const lines = new Set<number>();
    for (const m of out.matchAll(/^@@ -(\d+)(?:,(\d+))? /gm)) {
      const start = Number(m[1]);
      const n = m[2] === undefined ? 1 : Number(m[2]);
      if (n === 0) lines.add(start + 0.5); // an insertion after `start`
      for (let l = start; l < start + n; l++) lines.add(l);
    }
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let corpus: Corpus;
const work: string[] = [];
const outcomes: Outcome[] = [];

beforeAll(async () => {
  corpus = await loadCorpus();
});
afterAll(async () => {
  for (const d of work) await rm(d, { recursive: true, force: true });
  const faults = [...new Set(outcomes.map((o) => o.fault))];
  const rows = faults.map((f) => {
    const mine = outcomes.filter((o) => o.fault === f).sort((a, b) => b.fit - a.fit);
    const right = (o: Outcome) => (o.sameTree ? 'tree' : o.sameLines ? 'lines' : '');
    const by = [...new Set(mine.filter(right).map((o) => `${o.strategy}#${o.rank}(${right(o)})`))];
    const top = mine[0];
    return `${f.padEnd(30)} ${String(mine.length).padStart(2)} cand  top: ${top ? `${top.strategy} ${top.fit.toFixed(2)} ${right(top) || 'other'}` : '-'}  equal: ${by.join(', ') || '-'}`;
  });
  process.stderr.write(
    `\nstrategies on the corpus (equal: same tree / same lines as the human fix):\n${rows.join('\n')}\n`,
  );
});

async function run(id: string): Promise<Outcome[]> {
  const dir = await mkdtemp(join(tmpdir(), `corpus-${id}-`));
  work.push(dir);
  const repo = join(dir, 'repo');
  const rel = await materializeFault(id, repo, corpus);
  const fault = rel.fault;
  const base = rel.faulty;
  const sha7 = rel.faultSha.slice(0, 7);
  const subject = rel.commits.find((c) => c.sha === rel.faultSha)!.subject;
  // The human fix, committed on top, only to read its source files.
  const fixed = await applyPatch(repo, fault.fix);
  const fixFiles = fault.fix.info.files.map((f) => f.path).filter((p) => p.startsWith('src/'));

  const lines: EvidenceLine[] = [];
  for (const loc of fault.truth.locations)
    for (const [from, to] of loc.lines)
      for (let l = from; l <= to; l++)
        lines.push({
          path: loc.file,
          line: l,
          score: 4 * (1 - 0.01 * lines.length),
          why: `changed in ${sha7} "${subject}"`,
        });
  // The rest of each evidence function, weaker and unmarked, as the diagnosis adds it around a frame or a site.
  for (const loc of fault.truth.locations) {
    const text = (await git(repo, ['show', `${base}:${loc.file}`])) ?? '';
    const sf = parse(loc.file, text);
    for (const [from] of loc.lines) {
      const fn = namedFunctionAt(sf, from);
      if (!fn) continue;
      for (let l = startLine(fn); l <= endLine(fn); l++)
        if (!lines.some((x) => x.path === loc.file && x.line === l))
          lines.push({ path: loc.file, line: l, score: 0.5, why: 'in the evidence function' });
    }
  }
  const issue: IssueView = {
    id: `issue-${id}`,
    kind: KIND[fault.truth.symptom] ?? 'behavioral',
    title: fault.truth.title,
    hypothesis: fault.truth.description,
    confidence: 0.8,
    lines,
    suspects: [{ sha: rel.faultSha, score: 1, subject }],
    evidence: {},
    bounded: true,
  };
  const repoView = await gitRepoView(repo, base);
  const scratch = await gitScratch(repo, base);
  const out: Outcome[] = [];
  try {
    const candidates: CandidateChange[] = [];
    for (const strategy of defaultStrategies()) {
      const kind: RemedyKind = strategy.remedies[0]!;
      const made = await strategy.generate({
        repo: repoView,
        issue,
        remedy: { id: `${id}-${kind}`, kind, summary: '', confidence: 0.5, targets: [] },
        scratch: async () => {
          await scratch.reset();
          return scratch;
        },
      });
      candidates.push(...made);
    }
    for (const c of candidates) {
      const rank = candidates.filter((x) => x.strategy === c.strategy).indexOf(c) + 1;
      const srcChanged = [...c.files.keys()].filter((p) => p.startsWith('src/'));
      let sameTree = srcChanged.length === fixFiles.length;
      let sameLines = sameTree;
      for (const path of new Set([...srcChanged, ...fixFiles])) {
        const want = fixFiles.includes(path)
          ? await git(repo, ['show', `${fixed}:${path}`])
          : await repoView.read(path);
        const got = c.files.has(path) ? c.files.get(path)! : ((await repoView.read(path)) ?? null);
        if (printed(path, want ?? null) !== printed(path, got)) sameTree = false;
        const before = (await repoView.read(path)) ?? '';
        const a = await touchedLines(repo, before, want ?? '');
        const b = await touchedLines(repo, before, got ?? '');
        if (a.size !== b.size || [...a].some((l) => !b.has(l))) sameLines = false;
      }
      out.push({
        fault: id,
        strategy: c.strategy,
        rank,
        fit: c.fit,
        sameTree,
        sameLines: sameLines || sameTree,
        files: c.files,
      });
    }
  } finally {
    await scratch.dispose();
  }
  outcomes.push(...out);
  return out;
}

const fixedBy = (o: Outcome[], strategy: string) =>
  o.some((x) => x.strategy === strategy && (x.sameTree || x.sameLines));

describe('strategies on the seeded-fault corpus', () => {
  it('gb-label-second-line: a guard at the failing access, equal in effect to the human fix', async () => {
    const o = await run('gb-label-second-line');
    expect(fixedBy(o, 'template-guard')).toBe(true);
  });

  it('free-shipping-exclusive and max-quantity-exclusive: the changed comparison, as the human fixed it', async () => {
    expect(fixedBy(await run('free-shipping-exclusive'), 'template-condition')).toBe(true);
    expect(fixedBy(await run('max-quantity-exclusive'), 'template-condition')).toBe(true);
  });

  it('last-page-short: the same off-by-one bound dropped on both lines (a revert cannot fix it)', async () => {
    const o = await run('last-page-short');
    expect(o.some((x) => x.strategy === 'template-condition' && x.sameTree)).toBe(true);
    expect(fixedBy(o, 'full-revert')).toBe(false);
  });

  it('confirmation-failure-uncaught: the try/catch the suspect removed, put back', async () => {
    const o = await run('confirmation-failure-uncaught');
    expect(o.some((x) => x.strategy === 'template-fallback-history' && x.sameTree)).toBe(true);
    expect(fixedBy(o, 'full-revert')).toBe(true);
  });

  it('no-retry-on-5xx: the suspect hunk reverted while the later commit stays', async () => {
    expect(fixedBy(await run('no-retry-on-5xx'), 'partial-revert')).toBe(true);
  });

  it('shipment-before-payment: the moved step put back', async () => {
    expect(fixedBy(await run('shipment-before-payment'), 'template-restore-history')).toBe(true);
  });

  it('stock-kept-after-timeout: the conjunct the suspect added, dropped, with the import it needed', async () => {
    const o = await run('stock-kept-after-timeout');
    expect(o.some((x) => x.strategy === 'template-condition' && x.sameTree)).toBe(true);
  });

  it('order-tracking-before-check and traceparent-split: a guard candidate at the failing access', async () => {
    expect((await run('order-tracking-before-check')).some((x) => x.strategy === 'template-guard')).toBe(
      true,
    );
    expect((await run('traceparent-split')).some((x) => x.strategy === 'template-guard')).toBe(true);
  });

  it('carrier-fallback-dropped: the fallback the suspect removed, put back under the later commit that edited its first line', async () => {
    // Neither git revert nor a three-way hunk applies (a later commit gave heavy parcels DHL on the hunk's first
    // line); the standing revert undoes the rest. Not the human fix (which adds UPS to the list), the same effect.
    const [top] = (await run('carrier-fallback-dropped')).sort((a, b) => b.fit - a.fit);
    expect(top!.strategy).toBe('partial-revert');
    const text = top!.files.get('src/shipping/shipment.ts') ?? '';
    expect(text).toContain("weightGrams > HEAVY_PARCEL_GRAMS ? ['dpd', 'dhl']");
    expect(text).toContain("return 'ups';");
    expect(text).not.toContain('no carrier serves');
  });

  it.each([
    'bulk-threshold-exclusive',
    'checkout-product-per-line',
    'confirmation-before-payment',
    'coupon-dropped-on-bulk',
    'email-not-string',
    'free-shipping-threshold-typo',
    'label-signature-pbkdf2',
    'last-unit-unsellable',
    'listing-cache-dropped',
    'payment-backoff-tenfold',
    'percent-truncated',
    'single-payment-attempt',
    'token-scrypt',
    'voucher-orders-unconfirmed',
  ])('%s: every candidate parses and names its strategy (outcome in the summary)', async (id) => {
    for (const o of await run(id)) {
      expect(o.fit).toBeGreaterThan(0);
      expect(o.fit).toBeLessThanOrEqual(1);
    }
  });
});
