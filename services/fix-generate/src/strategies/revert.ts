import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  changedSpan,
  formatUnifiedDiff,
  lineMap,
  parseUnifiedDiff,
  type FileDiff,
  type Hunk,
} from './diff.js';
import { clampFit, topLines, topSuspect } from './evidence.js';
import { changeBlocks, changedLater, standingPart, undoBlocks, type ChangeBlock } from './standingRevert.js';
import type {
  CandidateChange,
  EvidenceLine,
  FixInput,
  FixStrategy,
  RemedyKind,
  Scratch,
  SuspectCommit,
} from './types.js';

/**
 * Reverts, the first thing to try for a fresh regression (SapFix): git does the work in a scratch worktree, so a
 * revert that conflicts with later commits gives no candidate instead of a broken one. Neither strategy throws for
 * an expected failure (no suspect, a merge commit, a conflict): an empty result is the answer "not applicable".
 */

/** Lines either side of a hunk that still count as "the hunk holds this evidence line". */
const NEAR = 1;

const CONFLICT_MARKER = /^(<{7}|>{7}) /m;

/** True when `sha` is an ordinary commit with one parent (a merge needs a mainline, a root commit has no parent). */
async function singleParent(scratch: Scratch, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) return false; // an id, never an option or a range
  try {
    const parents = (await scratch.git(['rev-list', '--parents', '-n', '1', sha])).trim().split(/\s+/);
    return parents.length === 2;
  } catch {
    return false; // not in this repository (a diagnosis of another mirror, a rewritten history)
  }
}

/** The worktree's changes, unless git left conflict markers in one of them. */
async function cleanChanges(scratch: Scratch): Promise<Map<string, string | null> | undefined> {
  const files = await scratch.changes();
  if (files.size === 0) return undefined;
  for (const text of files.values()) if (text !== null && CONFLICT_MARKER.test(text)) return undefined;
  return files;
}

export class FullRevert implements FixStrategy {
  readonly name = 'full-revert';
  readonly version = '1';
  readonly remedies: readonly RemedyKind[] = ['revert-commit'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const suspect = topSuspect(input.issue);
    if (!suspect) return [];
    const scratch = await input.scratch();
    try {
      if (!(await singleParent(scratch, suspect.sha))) return [];
      try {
        await scratch.git(['revert', '--no-commit', '--no-edit', suspect.sha]);
      } catch {
        return []; // a conflict: later commits build on this one, a partial revert may still apply
      }
      const files = await cleanChanges(scratch);
      if (!files) return [];
      return [
        {
          strategy: this.name,
          strategyVersion: this.version,
          remedyId: input.remedy.id,
          files,
          rationale: `Reverts ${suspect.sha.slice(0, 7)} "${suspect.subject}", the suspect commit of this issue; the code returns to how it ran before the symptom.`,
          fit: clampFit(revertFit(input.issue.lines, suspect)),
        },
      ];
    } finally {
      await scratch.reset();
    }
  }
}

/**
 * A whole revert fits as well as the evidence lines it undoes (the diagnosis marks them with the commit's id), short
 * of certainty: it also takes back whatever else the commit did, which the evidence says nothing about.
 */
function revertFit(lines: readonly EvidenceLine[], suspect: SuspectCommit): number {
  const top = lines.slice(0, 10);
  if (top.length === 0) return 0.45;
  const sha7 = suspect.sha.slice(0, 7);
  const marked = top.filter((l) => l.why.includes(sha7)).length;
  return 0.45 + 0.45 * (marked / top.length);
}

interface SelectedHunk {
  file: FileDiff;
  hunk: Hunk;
  /** Evidence lines (indices into the evidence list) the hunk holds, mapped to the base commit. */
  covers: number[];
}

export class PartialRevert implements FixStrategy {
  readonly name = 'partial-revert';
  readonly version = '2';
  readonly remedies: readonly RemedyKind[] = ['revert-hunks', 'restore-config'];

  async generate(input: FixInput): Promise<CandidateChange[]> {
    const suspect = topSuspect(input.issue);
    const evidence = evidenceOf(input);
    if (!suspect || evidence.length === 0) return [];
    const scratch = await input.scratch();
    try {
      if (!(await singleParent(scratch, suspect.sha))) return [];
      const selected = await selectHunks(scratch, suspect.sha, evidence);
      if (selected.length === 0) return [];
      const out: CandidateChange[] = [];
      const seen = new Set<string>();
      for (const subset of hunkSubsets(selected)) {
        const key = subset.map((s) => `${s.file.newPath}@${s.hunk.header}`).join('|');
        if (seen.has(key)) continue;
        seen.add(key);
        const files = await reverseApply(scratch, subset);
        if (!files) continue;
        const covered = new Set(subset.flatMap((s) => s.covers));
        const total = evidence.reduce((s, e) => s + e.weight, 0);
        const share = [...covered].reduce((s, i) => s + evidence[i]!.weight, 0) / total;
        const holdsTop = covered.has(0);
        const where = subset.map((s) => `${s.file.newPath}:${s.hunk.newStart}`).join(', ');
        out.push({
          strategy: this.name,
          strategyVersion: this.version,
          remedyId: input.remedy.id,
          files,
          rationale:
            `Undoes only the part of ${suspect.sha.slice(0, 7)} "${suspect.subject}" at ${where}, where the evidence ` +
            `points${holdsTop ? ' (including its strongest line)' : ''}; the rest of the commit and the commits after it stay.`,
          fit: clampFit(0.3 + 0.35 * share + (holdsTop ? 0.25 : 0)),
        });
      }
      if (out.length === 0) {
        const standing = await standingRevert(scratch, suspect, evidence, input.remedy.id, this);
        if (standing) out.push(standing);
      }
      return out;
    } finally {
      await scratch.reset();
    }
  }
}

interface WeightedLine {
  path: string;
  line: number;
  weight: number;
}

/** The top evidence lines plus the remedy's own targets, weighted by score relative to the best line. */
function evidenceOf(input: FixInput): WeightedLine[] {
  const lines = topLines(input);
  const best = lines[0]?.score ?? 1;
  const out: WeightedLine[] = lines.map((l) => ({
    path: l.path,
    line: l.line,
    weight: best > 0 ? Math.max(0.05, l.score / best) : 1,
  }));
  for (const t of input.remedy.targets)
    if (t.line !== null && !out.some((o) => o.path === t.file && o.line === t.line))
      out.push({ path: t.file, line: t.line, weight: 0.5 });
  return out;
}

/** The suspect commit's hunks that hold evidence lines, after mapping the commit's lines to the base commit. */
async function selectHunks(
  scratch: Scratch,
  sha: string,
  evidence: readonly WeightedLine[],
): Promise<SelectedHunk[]> {
  const paths = new Set(evidence.map((e) => e.path));
  const diff = parseUnifiedDiff(await scratch.git(['diff', '--no-color', '--no-ext-diff', `${sha}^`, sha]));
  const out: SelectedHunk[] = [];
  for (const file of diff) {
    if (!file.newPath || !paths.has(file.newPath)) continue;
    const path = file.newPath;
    // Later commits may have moved the lines: map the suspect's side to the base commit through their diff.
    const later = parseUnifiedDiff(
      await scratch.git(['diff', '-U0', '--no-color', '--no-ext-diff', sha, scratch.baseCommit, '--', path]),
    );
    const toBase = lineMap(later, path);
    for (const hunk of file.hunks) {
      const span = changedSpan(hunk);
      const from = toBase(span.from) - NEAR;
      const to = toBase(span.to) + NEAR;
      const covers = evidence.flatMap((e, i) =>
        e.path === path && e.line >= from && e.line <= to ? [i] : [],
      );
      if (covers.length > 0) out.push({ file, hunk, covers });
    }
  }
  return out;
}

/**
 * The subsets worth trying: every selected hunk together, then only those holding the strongest evidence line they
 * hold between them (a smaller change when the rest of the commit is innocent).
 */
function hunkSubsets(selected: readonly SelectedHunk[]): SelectedHunk[][] {
  const out = [selected.slice()];
  const best = Math.min(...selected.flatMap((s) => s.covers));
  const focused = selected.filter((s) => s.covers.includes(best));
  if (focused.length < selected.length) out.push(focused);
  return out;
}

/** Reverse-applies the hunks three-way in a clean worktree; undefined when git refuses or leaves a conflict. */
async function reverseApply(
  scratch: Scratch,
  subset: readonly SelectedHunk[],
): Promise<Map<string, string | null> | undefined> {
  const byFile = new Map<FileDiff, Hunk[]>();
  for (const s of subset) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s.hunk]);
  const patch = formatUnifiedDiff(
    [...byFile].map(([f, hunks]) => ({ ...f, hunks: hunks.sort((a, b) => a.oldStart - b.oldStart) })),
  );
  // git apply reads the patch from a file: a private temporary directory outside the worktree, removed after.
  const dir = await mkdtemp(join(tmpdir(), 'partial-revert-'));
  try {
    const file = join(dir, 'hunks.patch');
    await writeFile(file, patch);
    await scratch.reset();
    try {
      await scratch.git(['apply', '-3', '--reverse', '--whitespace=nowarn', file]);
    } catch {
      return undefined;
    }
    return await cleanChanges(scratch);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * When git refuses every hunk (a later commit touched a line of each), the suspect's change blocks on the evidence
 * undone where the code still stands as the suspect left it (standingRevert.ts): the lines later commits changed stay.
 */
async function standingRevert(
  scratch: Scratch,
  suspect: SuspectCommit,
  evidence: readonly WeightedLine[],
  remedyId: string,
  strategy: { name: string; version: string },
): Promise<CandidateChange | undefined> {
  await scratch.reset();
  const paths = [...new Set(evidence.map((e) => e.path))];
  const diff = parseUnifiedDiff(
    await scratch.git([
      'diff',
      '-U0',
      '--no-color',
      '--no-ext-diff',
      `${suspect.sha}^`,
      suspect.sha,
      '--',
      ...paths,
    ]),
  );
  const files = new Map<string, string | null>();
  const covered = new Set<number>();
  const where: string[] = [];
  for (const file of diff) {
    const path = file.newPath;
    if (!path || file.oldPath !== path) continue;
    const laterDiff = parseUnifiedDiff(
      await scratch.git([
        'diff',
        '-U0',
        '--no-color',
        '--no-ext-diff',
        suspect.sha,
        scratch.baseCommit,
        '--',
        path,
      ]),
    );
    const toBase = lineMap(laterDiff, path);
    const later = changedLater(laterDiff.find((f) => f.oldPath === path)?.hunks ?? []);
    const blocks: ChangeBlock[] = [];
    for (const hunk of file.hunks) {
      const span = changedSpan(hunk);
      const covers = evidence.flatMap((e, k) =>
        e.path === path && e.line >= toBase(span.from) - NEAR && e.line <= toBase(span.to) + NEAR ? [k] : [],
      );
      if (covers.length === 0) continue;
      const part = standingPart(changeBlocks([hunk])[0]!, later);
      if (!part) continue;
      blocks.push(part);
      covers.forEach((k) => covered.add(k));
      where.push(`${path}:${toBase(part.newStart)}`);
    }
    if (blocks.length === 0) continue;
    const base = await scratch.read(path);
    const text = base === undefined ? undefined : undoBlocks(base, blocks, toBase);
    if (text !== undefined && text !== base) files.set(path, text);
  }
  if (files.size === 0) return undefined;
  const total = evidence.reduce((s, e) => s + e.weight, 0);
  const share = [...covered].reduce((s, k) => s + evidence[k]!.weight, 0) / total;
  const holdsTop = covered.has(0);
  return {
    strategy: strategy.name,
    strategyVersion: strategy.version,
    remedyId,
    files,
    rationale:
      `Undoes ${suspect.sha.slice(0, 7)} "${suspect.subject}" at ${where.join(', ')}, where the evidence points and the ` +
      `code still stands as that commit left it; the lines later commits changed again stay as they are now.`,
    fit: clampFit(0.25 + 0.35 * share + (holdsTop ? 0.2 : 0)),
  };
}
