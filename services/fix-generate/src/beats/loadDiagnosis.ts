import type { FixRecommendation } from '@self-healing/diagnosis';
import type { IssueView, RemedyKind, RemedyView } from '../strategies/types.js';
import type { FixBeat } from '../service/deps.js';

interface DiagnosisDoc {
  diagnosisId: string;
  incidentId: string;
  codebase?: { url: string; bad: string };
  issues: IssueView[];
  recommendations: FixRecommendation[];
  remedyKinds?: Record<string, string>;
}

/**
 * Beat 2. The diagnosis document, the remedies to implement (those requested, in the diagnosis' rank order, with
 * their kinds) and the base commit: the one the diagnosis read, which was serving when the incident began.
 */
export const loadDiagnosis: FixBeat<'loadDiagnosis'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.loaded) {
    const doc = await deps.db.collection<DiagnosisDoc>('diagnoses').findOne({ _id: c.diagnosisId as never });
    if (!doc) throw new Error(`diagnosis ${c.diagnosisId} is not stored`);
    if (!doc.codebase) throw new Error(`diagnosis ${c.diagnosisId} names no code`);
    const wanted = c.requestedIds.length ? new Set(c.requestedIds) : null;
    const recs = doc.recommendations
      .filter((r) => r.automatable && (!wanted || wanted.has(r.id)))
      .sort((a, b) => a.rank - b.rank);
    const remedies: RemedyView[] = recs.map((r) => ({
      id: r.id,
      kind: (doc.remedyKinds?.[r.id] ?? 'escalate') as RemedyKind,
      summary: r.summary,
      confidence: r.confidence,
      targets: r.targets.map((t) => ({ file: t.file, line: t.line ?? null, symbol: t.symbol ?? null })),
    }));
    const issues = Object.fromEntries(doc.issues.map((i) => [i.id, i]));
    const issueOf = Object.fromEntries(recs.map((r) => [r.id, r.issueId]));
    const top = [...doc.issues].sort((a, b) => b.confidence - a.confidence)[0];
    await deps.cases.updateOne(
      { _id: runId, loaded: { $exists: false } },
      {
        $set: {
          loaded: {
            repository: doc.codebase.url,
            baseCommit: doc.codebase.bad,
            remedies,
            issues,
            issueOf,
            rootCause: top?.hypothesis ?? '',
          },
        },
      },
    );
    c = await deps.caseOf(runId);
  }
  const loaded = c.loaded!;
  // The mirror is fetched now, so the later beats find the base commit.
  await deps.repo(c);
  return {
    event: {
      type: 'DiagnosisLoaded',
      payload: {
        diagnosisId: c.diagnosisId,
        recommendationIds: loaded.remedies.map((r) => r.id),
        repository: loaded.repository,
        baseCommit: loaded.baseCommit,
      },
    },
  };
};
