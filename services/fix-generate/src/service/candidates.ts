import { createHash } from 'node:crypto';
import { diffLines } from 'diff';
import ts from 'typescript';
import { strategiesFor } from '../strategies/index.js';
import type { CandidateChange, RemedyView, RepoView } from '../strategies/types.js';
import { policyViolation, type PatchLimits } from '../patch/policy.js';
import type { WorkTree } from '../workspace/scratch.js';
import type { FixCase, StoredCandidate } from './deps.js';

/** Lines changed at which a candidate's score halves: smaller fixes are likelier right and easier to review. */
const SIZE_SCALE = 50;

/** Lines added and removed between two texts of a file (null: absent). */
export function lineStats(before: string | null, after: string | null): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const part of diffLines(before ?? '', after ?? '')) {
    if (part.added) added += part.count ?? 0;
    else if (part.removed) removed += part.count ?? 0;
  }
  return { added, removed };
}

/** Parse errors of a changed script (null when it parses or is not a script). */
export function parseError(path: string, text: string | null): string | null {
  if (text === null || !/\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(path)) return null;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  const d = diags[0];
  if (!d) return null;
  const at = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  return `${path}:${at}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
}

/**
 * A candidate's rank score: how plausible its strategy finds it, times the diagnosis' confidence in its remedy
 * (which already holds the remedy's learned or prior success rate), times a size penalty.
 */
export function scoreOf(fit: number, remedy: RemedyView, changedLines: number): number {
  return fit * remedy.confidence * (1 / (1 + changedLines / SIZE_SCALE));
}

const signature = (files: ReadonlyArray<{ path: string; text: string | null }>) =>
  createHash('sha256')
    .update(JSON.stringify([...files].sort((a, b) => a.path.localeCompare(b.path))))
    .digest('hex');

/**
 * Every strategy of every remedy on the repository at the base commit, each candidate measured, checked against the
 * patch policy and parsed, then ranked; a candidate two strategies both produce is kept once (the better scored).
 */
export async function generateCandidates(
  c: FixCase,
  repo: RepoView,
  scratch: () => Promise<WorkTree>,
  limits: PatchLimits,
): Promise<{ candidates: StoredCandidate[]; notes: string[] }> {
  const loaded = c.loaded!;
  const out: StoredCandidate[] = [];
  const notes: string[] = [];
  for (const remedy of loaded.remedies) {
    const issue = loaded.issues[loaded.issueOf[remedy.id] ?? ''];
    if (!issue) {
      notes.push(`${remedy.id}: its issue is not in the diagnosis`);
      continue;
    }
    const strategies = strategiesFor(remedy.kind);
    if (strategies.length === 0) notes.push(`${remedy.kind}: no strategy implements it`);
    for (const strategy of strategies) {
      let changes: CandidateChange[] = [];
      try {
        changes = await strategy.generate({ repo, issue, remedy, scratch });
      } catch (error) {
        notes.push(`${strategy.name} failed on ${remedy.kind}: ${(error as Error).message.slice(0, 300)}`);
        continue;
      }
      if (changes.length === 0) notes.push(`${strategy.name}: no candidate for ${remedy.kind}`);
      for (const change of changes) {
        const files = [...change.files]
          .map(([path, text]) => ({ path, text }))
          .sort((a, b) => a.path.localeCompare(b.path));
        let added = 0;
        let removed = 0;
        for (const f of files) {
          const s = lineStats((await repo.read(f.path)) ?? null, f.text);
          added += s.added;
          removed += s.removed;
        }
        const dropped =
          policyViolation(
            files.map((f) => f.path),
            added + removed,
            limits,
            remedy.kind === 'revert-commit',
          ) ??
          files.map((f) => parseError(f.path, f.text)).find((e) => e !== null) ??
          null;
        out.push({
          strategy: change.strategy,
          strategyVersion: change.strategyVersion,
          remedyId: remedy.id,
          remedyKind: remedy.kind,
          fit: change.fit,
          score: dropped ? 0 : scoreOf(change.fit, remedy, added + removed),
          rationale: change.rationale,
          files,
          linesAdded: added,
          linesRemoved: removed,
          dropped,
        });
      }
    }
  }
  out.sort((a, b) => b.score - a.score || a.strategy.localeCompare(b.strategy));
  const seen = new Set<string>();
  const unique = out.filter((cand) => {
    const sig = signature(cand.files);
    if (seen.has(sig)) return false;
    seen.add(sig);
    return true;
  });
  return { candidates: unique, notes };
}
