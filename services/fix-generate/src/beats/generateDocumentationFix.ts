import { CHANGELOG_NAMES, changelogEntry, withEntry } from '../docs/changelog.js';
import type { FixBeat } from '../service/deps.js';
import { chosenOf } from '../service/chosen.js';
import { fileChanges } from '../service/changes.js';

/**
 * Beat 5. The changelog entry of the fix (docs/changelog.ts): what broke, why, what changed, from the incident and
 * the diagnosis; the error or log line quoted as code, never as Markdown.
 */
export const generateDocumentationFix: FixBeat<'generateDocumentationFix'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  const { candidate, issue, remedy } = chosenOf(c);
  if (!c.docs) {
    const repo = await deps.repo(c);
    const base = c.loaded!.baseCommit;
    const files = new Set(await repo.files(base));
    const name = CHANGELOG_NAMES.find((n) => files.has(n));
    const existing = name ? { path: name, text: (await repo.readFiles(base, [name])).get(name) ?? '' } : null;
    const quote =
      typeof issue.evidence['errorTemplate'] === 'string' ? [issue.evidence['errorTemplate']] : [];
    const entry = changelogEntry({
      incidentId: c.incidentId,
      symptom: issue.title,
      cause: issue.hypothesis,
      change: `${remedy.summary}.`,
      quotes: quote,
    });
    const doc = withEntry(existing, entry);
    await deps.cases.updateOne(
      { _id: runId, docs: { $exists: false } },
      {
        $set: {
          docs: {
            files: [doc],
            rationale: `Changelog entry in ${doc.path}${existing ? '' : ' (created: the repository had no changelog)'}.`,
          },
        },
      },
    );
    c = await deps.caseOf(runId);
  }
  const docs = c.docs!;
  return {
    event: {
      type: 'DocumentationFixGenerated',
      payload: {
        changeSet: {
          recommendationId: candidate.remedyId,
          generator: { name: 'changelog', version: '1', model: null },
          changes: await fileChanges(await deps.repo(c), c.loaded!.baseCommit, docs.files),
          rationale: docs.rationale,
          skippedReason: null,
        },
      },
    },
  };
};
