import { examine, examinedAfter } from '../service/examined.js';

/** An error event this late behind the newest one seen is still counted (a new template, a new stack). */
const LATE_ERRORS_MS = 10 * 60_000;
import { ErrorBurstDetector, ErrorPatternDetector } from '../errors/index.js';
import type { DetectBeat } from '../service/deps.js';
import { findingsForEvent } from '../service/eventFindings.js';

/** Beat 6. Reads error counts and error events not examined before; stages error bursts and new error templates. */
export const detectErrorPatterns: DetectBeat<'detectErrorPatterns'> = async ({ runId, earlier }, deps) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const on = deps.wants(r, 'error');
  const aggregates = on ? await deps.aggregates(runId, r) : [];
  const seenUntil = mem.patternsSeenUntil ?? Number.NEGATIVE_INFINITY;
  const fresh = on ? await deps.unexaminedRuns(r, mem.patternRuns) : { own: [], earlier: [] };
  const { taken: events, seenUntil: nowSeenUntil } = examine(
    await deps.eventsOfRuns(runId, r, fresh),
    seenUntil,
    LATE_ERRORS_MS,
  );
  const bursts = mem.bursts ? ErrorBurstDetector.restore(mem.bursts) : new ErrorBurstDetector();
  const options = { warmupMs: deps.settings.errorWarmupMs };
  const patterns = mem.patterns
    ? ErrorPatternDetector.restore(mem.patterns, options)
    : new ErrorPatternDetector(options);
  const findings = [...bursts.observe(aggregates)];
  for (const e of events) findings.push(...patterns.push(e));
  findings.push(...patterns.advance());
  const evaluated = new Set(aggregates.filter((a) => a.errorCount > 0).map((a) => a.templateId)).size;
  await deps.stage(runId, 'errors', {
    findings,
    state: {
      bursts: bursts.snapshot(),
      patterns: patterns.snapshot(),
      seenUntil: nowSeenUntil,
      runs: examinedAfter(mem.patternRuns, [...fresh.earlier, ...fresh.own]),
    },
    evaluated,
    skipped: 0,
  });
  return {
    event: {
      type: 'ErrorPatternsDetected',
      payload: {
        detector: deps.detector('error-bursts-and-new-errors'),
        ...findingsForEvent(findings),
        evaluated,
        skipped: 0,
      },
    },
  };
};
