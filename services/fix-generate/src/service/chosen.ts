import type { CandidateChange, IssueView, RemedyView } from '../strategies/types.js';
import type { FixCase, StoredCandidate } from './deps.js';

/** The chosen candidate of a run, with its remedy and issue. */
export function chosenOf(c: FixCase): { candidate: StoredCandidate; remedy: RemedyView; issue: IssueView } {
  const candidate = c.chosen === null || c.chosen === undefined ? undefined : c.candidates?.[c.chosen];
  if (!candidate) throw new Error(`fix run ${c._id} has no chosen candidate`);
  const loaded = c.loaded!;
  const remedy = loaded.remedies.find((r) => r.id === candidate.remedyId)!;
  const issue = loaded.issues[loaded.issueOf[remedy.id]!]!;
  return { candidate, remedy, issue };
}

export function asChange(s: StoredCandidate): CandidateChange {
  return {
    strategy: s.strategy,
    strategyVersion: s.strategyVersion,
    remedyId: s.remedyId,
    files: new Map(s.files.map((f) => [f.path, f.text])),
    rationale: s.rationale,
    fit: s.fit,
  };
}
