import type { ValidationBeat } from '../service/deps.js';
import type { Reason, ValidationCase } from '../service/case.js';
import {
  isTestPath,
  patchIdOf,
  patchPaths,
  rewrittenTests,
  sha256,
  specialFiles,
} from '../workspace/patch.js';

interface PatchDoc {
  patchId: string;
  incidentId: string;
  diagnosisId?: string;
  repository: string;
  baseCommit: string;
  diff: string;
  test?: { files?: Array<{ path: string }>; testNames?: string[] } | { skippedReason: string };
}

/**
 * Beat 2. The patch document, its hash checked against its id (a document changed after fix.generate wrote it is
 * not the patch the incident names) and its paths against the repository (no `..`, no absolute path, nothing in
 * `.git`). A patch failing either is not run: the problem is recorded and the later beats lead to a failed verdict.
 */
export const loadPatch: ValidationBeat<'loadPatch'> = async ({ runId }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.patch) {
    const doc = await deps.db.collection<PatchDoc>('patches').findOne({ _id: c.patchId as never });
    if (!doc) throw new Error(`patch ${c.patchId} is not stored`);
    const diagnosis = doc.diagnosisId
      ? await deps.db
          .collection<{ codebase?: { service?: string; good?: string | null } }>('diagnoses')
          .findOne(
            { _id: doc.diagnosisId as never },
            { projection: { 'codebase.service': 1, 'codebase.good': 1 } },
          )
      : null;
    const { paths, outside } = patchPaths(doc.diff);
    const test = doc.test && 'files' in doc.test ? doc.test : null;
    const testFiles = [
      ...new Set([...(test?.files ?? []).map((f) => f.path), ...paths.filter(isTestPath)]),
    ].filter((p) => !outside.includes(p));
    let problem: Reason | null = null;
    if (patchIdOf(doc.baseCommit, doc.diff) !== c.patchId)
      problem = {
        code: 'hash-mismatch',
        message: `the stored diff of ${c.patchId} does not hash to its id: it changed after fix.generate made it`,
        field: 'diff',
      };
    else if (specialFiles(doc.diff).length)
      problem = {
        code: 'symlink-in-patch',
        message: `the patch makes symlinks or submodules, which a validation does not run: ${specialFiles(doc.diff).slice(0, 5).join(', ')}`,
        field: 'diff',
      };
    else if (doc.incidentId !== c.incidentId)
      problem = {
        code: 'patch-of-another-incident',
        message: `patch ${c.patchId} was made for incident ${doc.incidentId}, not ${c.incidentId}`,
        field: 'patchId',
      };
    else if (outside.length)
      problem = {
        code: 'path-outside-repository',
        message: `the patch touches paths outside the repository: ${outside
          .slice(0, 5)
          .map((p) => JSON.stringify(p.slice(0, 120)))
          .join(', ')}`,
        field: 'diff',
      };
    const service = diagnosis?.codebase?.service ?? null;
    const patch: NonNullable<ValidationCase['patch']> = {
      // The catalogue's repository when it knows the service: the patch document only proposes one.
      repository: deps.service(service)?.repository.url ?? doc.repository,
      baseCommit: doc.baseCommit,
      diff: doc.diff,
      diffSha256: sha256(doc.diff),
      diagnosisId: doc.diagnosisId ?? null,
      service,
      rewrittenTests: rewrittenTests(doc.diff),
      files: paths,
      testFiles,
      testNames: test?.testNames ?? [],
      problem,
      goodCommit: diagnosis?.codebase?.good ?? null,
    };
    c = await deps.record(runId, 'patch', patch);
  }
  const patch = c.patch!;
  // The mirror is fetched now, so applyPatch finds the base commit.
  if (!patch.problem) await deps.repo(c);
  return {
    event: {
      type: 'PatchLoaded',
      payload: {
        patchId: c.patchId,
        baseCommit: patch.baseCommit,
        filesChanged: patch.files.length,
        diffSha256: patch.diffSha256,
      },
    },
  };
};
