import type { ValidationBeat } from '../service/deps.js';
import { aggregate } from '../verdict/aggregate.js';

/** Beat 8. One verdict from the checks (rules in verdict/aggregate.ts), kept in the case file. */
export const aggregateValidationResults: ValidationBeat<'aggregateValidationResults'> = async (
  { runId },
  deps,
) => {
  let c = await deps.caseOf(runId);
  if (!c.verdict) {
    const records = {
      tests: c.tests,
      coverage: c.coverage,
      performance: c.performance,
      documentation: c.docs,
    };
    c = await deps.record(runId, 'verdict', aggregate(c.checks, records));
  }
  const v = c.verdict!;
  return {
    event: {
      type: 'ValidationResultsAggregated',
      payload: { verdict: v.verdict, checks: v.checks, reasons: v.reasons },
    },
  };
};
