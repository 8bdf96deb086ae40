import type { FixCase, FixDeps, StoredCandidate } from './deps.js';

/** A change an earlier round of the incident proposed: its run, its patch and the files it wrote. */
export interface EarlierProposal {
  runId: string;
  patchId: string;
  files: StoredCandidate['files'];
}

/** The candidates the incident's earlier rounds chose and made into patches. */
export async function earlierProposals(deps: FixDeps, c: FixCase): Promise<EarlierProposal[]> {
  const earlier = await deps.cases
    .find({ incidentId: c.incidentId, _id: { $ne: c._id }, patch: { $exists: true } })
    .toArray();
  const out: EarlierProposal[] = [];
  for (const e of earlier) {
    const chosen = e.chosen === null || e.chosen === undefined ? undefined : e.candidates?.[e.chosen];
    if (chosen && e.patch) out.push({ runId: e._id, patchId: e.patch.patchId, files: chosen.files });
  }
  return out;
}

/** Two candidates make the same change when they leave the same files with the same text, whatever made them. */
export function sameChange(a: StoredCandidate['files'], b: StoredCandidate['files']): boolean {
  if (a.length !== b.length) return false;
  const byPath = new Map(a.map((f) => [f.path, f.text]));
  return b.every((f) => byPath.has(f.path) && byPath.get(f.path) === f.text);
}

/**
 * Marks the candidates that repeat an earlier round's proposal as dropped, so the next round proposes the next
 * candidate instead of the one that already failed.
 */
export function dropProposedBefore(candidates: StoredCandidate[], earlier: readonly EarlierProposal[]): void {
  for (const cand of candidates) {
    if (cand.dropped !== null) continue;
    const same = earlier.find((e) => sameChange(e.files, cand.files));
    if (same) {
      cand.dropped = `proposed before as patch ${same.patchId}, which did not do`;
      cand.score = 0;
    }
  }
}
