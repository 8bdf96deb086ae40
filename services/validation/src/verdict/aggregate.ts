import type { Check, CheckOutcome, CheckRecord, Reason, Verdict } from '../service/case.js';

/**
 * How much a check's failure weighs. A failed test, a slower patch or broken docs prove the patch wrong: the
 * validation fails. Changed lines no test runs do not prove it wrong, only unproven: the validation is
 * inconclusive, and a person decides.
 */
const FAILURE_MEANS: Record<Check, Verdict> = {
  tests: 'failed',
  performance: 'failed',
  documentation: 'failed',
  coverage: 'inconclusive',
};

/**
 * One verdict from the checks: failed when any check proves the patch wrong, inconclusive when none does but one
 * could not decide (or coverage is short), passed only when every check requested passed. A check that did not
 * run counts as inconclusive: a verdict never rests on a check that was skipped.
 */
export function aggregate(
  requested: readonly Check[],
  records: Partial<Record<Check, CheckRecord>>,
): { verdict: Verdict; checks: CheckOutcome[]; reasons: Reason[] } {
  const checks: CheckOutcome[] = [];
  const reasons: Reason[] = [];
  let failed = false;
  let inconclusive = false;
  for (const check of requested) {
    const r = records[check];
    if (!r) {
      checks.push({ check, verdict: 'inconclusive', summary: 'did not run' });
      reasons.push({ code: `${check}-not-run`, message: `the ${check} check did not run`, field: null });
      inconclusive = true;
      continue;
    }
    checks.push({ check, verdict: r.verdict, summary: r.summary.slice(0, 1000) });
    if (r.verdict === 'passed') continue;
    reasons.push(
      ...(r.reasons.length
        ? r.reasons
        : [{ code: `${check}-${r.verdict}`, message: r.summary, field: null }]),
    );
    const weight = r.verdict === 'failed' ? FAILURE_MEANS[check] : 'inconclusive';
    if (weight === 'failed') failed = true;
    else inconclusive = true;
  }
  return { verdict: failed ? 'failed' : inconclusive ? 'inconclusive' : 'passed', checks, reasons };
}
