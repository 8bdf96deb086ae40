import type { FixBeat } from '../service/deps.js';
import { generateCandidates } from '../service/candidates.js';
import { repoView } from '../workspace/scratch.js';
import type { WorkTree } from '../workspace/scratch.js';
import { fileChanges } from '../service/changes.js';
import { checkFiles } from '../service/check.js';
import { dropProposedBefore, earlierProposals } from '../service/tried.js';

/** Candidates type-checked at most, best first, before the run gives up. */
const TYPECHECKED = 6;

/**
 * Beat 3. Candidates, not one guess: every strategy of each remedy (services/fix-generate/src/strategies) on a
 * worktree at the base commit, ranked (service/candidates.ts); the best one that obeys the patch policy and parses
 * is chosen; in the incident's next round, the best one not proposed before. The candidates are kept in the case
 * file, with why each was dropped. None: the run is refused with what was tried, and the incident stays with a
 * person.
 */
export const generateCodeFix: FixBeat<'generateCodeFix'> = async ({ runId, cause }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.candidates) {
    const repo = await deps.repo(c);
    const base = c.loaded!.baseCommit;
    const view = repoView(repo, base, new Set(await repo.files(base)));
    let tree: WorkTree | null = null;
    const scratch = async () => {
      tree ??= await deps.tree(c, 'strategies');
      await tree.reset();
      return tree;
    };
    const { candidates, notes } = await generateCandidates(c, view, scratch, deps.settings.limits);
    // The next round of an incident: what earlier rounds proposed did not do, so it is not proposed again.
    if ((c.attempt ?? 1) > 1) dropProposedBefore(candidates, await earlierProposals(deps, c));
    // The best candidates in turn through the type checker: one that fails is dropped with its diagnostics and
    // the next one goes on.
    let chosen = -1;
    let checked = 0;
    for (const cand of candidates) {
      if (cand.dropped !== null) continue;
      if (checked++ >= TYPECHECKED) break;
      const check = await checkFiles(deps, c, cand.files);
      if (check.ok) {
        chosen = candidates.indexOf(cand);
        break;
      }
      cand.dropped = `does not type-check: ${check.diagnostics
        .slice(0, 3)
        .map((d) => `${d.file}:${d.line ?? '?'} ${d.message}`)
        .join('; ')}`;
      cand.score = 0;
    }
    await deps.cases.updateOne(
      { _id: runId, candidates: { $exists: false } },
      { $set: { candidates, chosen: chosen >= 0 ? chosen : null, notes } },
    );
    c = await deps.caseOf(runId);
  }
  const candidates = c.candidates!;
  const best = c.chosen === null || c.chosen === undefined ? null : candidates[c.chosen]!;
  if (!best) {
    const tried = candidates.map((x) => `${x.strategy}: ${x.dropped}`);
    const notes = ((c as { notes?: string[] }).notes ?? []).slice(0, 10);
    return {
      event: {
        type: 'FixGenerationRejected',
        payload: {
          reasons: [
            {
              code: 'no-candidate',
              message:
                `no candidate fix for ${c.loaded!.remedies.map((r) => r.kind).join(', ') || 'the remedies'}: ` +
                ([...tried, ...notes].join('; ').slice(0, 1500) || 'no strategy produced one'),
              field: null,
            },
          ],
          commandType: cause.meta.type,
          commandId: cause.meta.eventId,
        },
      },
      // A refused run reads its worktrees no more.
      afterCommit: () => deps.cleanUp(runId),
    };
  }
  const base = await deps.repo(c);
  return {
    event: {
      type: 'CodeFixGenerated',
      payload: {
        changeSet: {
          recommendationId: best.remedyId,
          generator: { name: best.strategy, version: best.strategyVersion, model: null },
          changes: await fileChanges(base, c.loaded!.baseCommit, best.files),
          rationale: `${best.rationale} (chosen of ${candidates.length} candidate(s): score ${best.score.toFixed(3)})`,
          skippedReason: null,
        },
      },
    },
  };
};
