import type { DiagnoseBeat, Codebase } from '../service/deps.js';
import { deploymentAtOnset, readDeployments } from '../service/deployments.js';
import { templatesOf } from '../service/analysis.js';

/** A template counts as traced to the code when its best log statement explains at least this much of it. */
const MAPPED_SCORE = 0.6;

/**
 * Beat 3. Which code ran when the symptom began, and its index. The commit comes from the deployments topic (the
 * newest deployment before the onset, and the commit it replaced); with no deployment on record, the default
 * branch's head stands in, and the diagnosis says so. The choice is written to the case file before anything else
 * reads the code, so a re-run of this beat (or of any later one) reads the same commit even if the branch moved.
 */
export const loadCodebaseInfo: DiagnoseBeat<'loadCodebaseInfo'> = async ({ runId, logger }, deps) => {
  let c = await deps.caseOf(runId);
  if (!c.codebase) {
    const service = deps.serviceEntry(c.services);
    if (!service) throw new Error(`no service of ${c.incidentId} is in the catalogue any more`);
    const onset = Math.min(...c.findings.map((f) => f.since));
    const records = await readDeployments(deps.kafka, deps.topics.deployments, deps.decodeRecord, {
      service: service.name,
      environment: deps.settings.environment,
    });
    const versions = deploymentAtOnset(records, onset, deps.settings.onsetGraceMs);
    const url = service.entry.repository.url;
    const branch = service.entry.repository.defaultBranch;
    let codebase: Codebase;
    if (versions) {
      codebase = {
        service: service.name,
        url,
        branch,
        bad: versions.bad,
        good: versions.good,
        deploymentId: versions.deploymentId,
        source: 'deployment',
      };
    } else {
      const repo = await deps.repos.open(deps.remoteOf(url));
      codebase = {
        service: service.name,
        url,
        branch,
        bad: await repo.resolve(branch),
        good: null,
        deploymentId: null,
        source: 'branch-head',
      };
      logger.warn(
        { service: service.name, deployments: records.length },
        'no deployment before the onset on record: diagnosing the default branch head',
      );
    }
    await deps.cases.updateOne({ _id: runId, codebase: { $exists: false } }, { $set: { codebase } });
    c = await deps.caseOf(runId);
  }
  const codebase = c.codebase!;
  const code = await deps.code(runId, c);
  const templates = await templatesOf(deps, runId, c);
  let mapped = 0;
  for (const t of templates.values()) {
    if ((code.model.sitesForTemplate(t)[0]?.score ?? 0) >= MAPPED_SCORE) mapped++;
  }
  const indexId = `${codebase.bad}`;
  await deps.db.collection('diagnosis_code_index').replaceOne(
    { _id: indexId as never },
    {
      repository: codebase.url,
      commit: codebase.bad,
      files: code.filesIndexed,
      languages: code.languages,
      logCallSites: code.sites.slice(0, 5000),
    },
    { upsert: true },
  );
  return {
    event: {
      type: 'CodebaseInfoLoaded',
      payload: {
        repository: codebase.url,
        branch: codebase.branch,
        commit: codebase.bad,
        filesIndexed: code.filesIndexed,
        languages: code.languages,
        logCallSites: code.sites.length,
        templatesMapped: mapped,
        templatesUnmapped: templates.size - mapped,
        coverage: null,
        index: { collection: 'diagnosis_code_index', id: indexId },
      },
    },
  };
};
