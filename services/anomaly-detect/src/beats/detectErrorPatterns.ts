import { maxOf } from '@self-healing/shared';
import { ErrorBurstDetector, ErrorPatternDetector } from '../errors/index.js';
import type { DetectBeat } from '../service/deps.js';

/** Beat 6. Reads error counts and error events not examined before; stages error bursts and new error templates. */
export const detectErrorPatterns: DetectBeat<'detectErrorPatterns'> = async ({ runId, earlier }, deps) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const on = deps.wants(r, 'error');
  const aggregates = on ? await deps.aggregates(runId, r) : [];
  const seenUntil = mem.patternsSeenUntil ?? Number.NEGATIVE_INFINITY;
  const events = on ? (await deps.events(runId, r)).filter((e) => e.timestamp > seenUntil) : [];
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
      seenUntil: maxOf(
        events.map((e) => e.timestamp),
        seenUntil,
      ),
    },
    evaluated,
    skipped: 0,
  });
  return {
    event: {
      type: 'ErrorPatternsDetected',
      payload: { detector: deps.detector('error-bursts-and-new-errors'), findings, evaluated, skipped: 0 },
    },
  };
};
