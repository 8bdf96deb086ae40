import type { DiagnoseBeat } from '../service/deps.js';
import { rankRemedies, type DiagnosedIssue } from '../diagnose/remedies.js';

/**
 * Beat 9. Ranked remedies for every issue found (diagnose/remedies.ts): the fit of each remedy to the evidence times
 * its success rate, learned by learning.track where it has measured some, prior otherwise.
 */
export const recommendFixes: DiagnoseBeat<'recommendFixes'> = async ({ runId }, deps) => {
  const c = await deps.caseOf(runId);
  const issues = Object.values(c.issues ?? {}).filter(
    (i): i is DiagnosedIssue => i !== null && i !== undefined && i.lines.length > 0,
  );
  issues.sort((a, b) => b.confidence - a.confidence || a.id.localeCompare(b.id));
  const ranked = rankRemedies(issues, await deps.learnedRates(issues));
  // The kind of each remedy stays in the case file (and the diagnosis document): fix.generate picks strategies by it.
  const remedyKinds = Object.fromEntries(ranked.map((r) => [r.recommendation.id, r.kind]));
  await deps.cases.updateOne({ _id: runId }, { $set: { remedyKinds } });
  const recommendations = ranked.map((r) => r.recommendation);
  return { event: { type: 'FixesRecommended', payload: { recommendations } } };
};
