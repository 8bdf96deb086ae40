import { readFile } from 'node:fs/promises';
import type { Finding } from '@self-healing/schemas';
import {
  ProductionProfileBuilder,
  detectCoverageGaps as gapsOf,
  parseIstanbul,
  parseLcov,
  type DeclaredEntry,
} from '../coverage/index.js';
import type { DetectBeat } from '../service/deps.js';
import { findingsForEvent } from '../service/eventFindings.js';

/** Beat 5. Reads the coverage report and the run's events; stages the hot code paths no test covers. */
export const detectCoverageGaps: DetectBeat<'detectCoverageGaps'> = async ({ runId, earlier }, deps) => {
  const r = earlier.AnomalyDetectionRequested;
  const { coverageReport, declaredEntries } = deps.settings;
  if (!deps.wants(r, 'coverage') || !coverageReport) {
    await deps.stage(runId, 'coverage', { findings: [], state: null, evaluated: 0, skipped: 0 });
    return {
      event: {
        type: 'CoverageGapsDetected',
        payload: {
          detector: deps.detector(coverageReport ? 'coverage-gaps' : 'coverage-gaps (no report configured)'),
          findings: [],
          findingsTotal: 0,
          evaluated: 0,
          skipped: 0,
        },
      },
    };
  }
  const text = await readFile(coverageReport, 'utf8');
  const coverage = coverageReport.endsWith('.json') ? parseIstanbul(JSON.parse(text)) : parseLcov(text);
  const declared = declaredEntries
    ? (JSON.parse(await readFile(declaredEntries, 'utf8')) as DeclaredEntry[])
    : [];
  const events = await deps.events(runId, r);
  const findings: Finding[] = [];
  let evaluated = 0;
  for (const service of [...new Set(events.map((e) => e.service))].sort()) {
    const profile = new ProductionProfileBuilder(service);
    for (const e of events) if (e.service === service) profile.add(e);
    const built = profile.build();
    evaluated += built.locations.length;
    findings.push(...gapsOf({ coverage, production: built, declared }));
  }
  await deps.stage(runId, 'coverage', { findings, state: null, evaluated, skipped: 0 });
  return {
    event: {
      type: 'CoverageGapsDetected',
      payload: {
        detector: deps.detector('coverage-gaps'),
        ...findingsForEvent(findings),
        evaluated,
        skipped: 0,
      },
    },
  };
};
