/**
 * The remedy-success loop on a replayed sequence of incidents: does the ranking move to the remedy that works, and
 * how many incidents does it take?
 *
 *   npm run bench:learning -- [--json] [--incidents 120] [--seed 1] [--runs 21]
 *
 * Per run (seeds seed .. seed+runs-1): `--incidents` incidents drawn uniformly from the fault types of faults.ts.
 * Each is ranked by diagnosis' own rankRemedies with the counts of every earlier outcome (learning.track's model:
 * signatureOfIssue, withOutcome, rateFor), the best automatable remedy is deployed, its outcome drawn from the
 * stated ground truth and counted. The same incidents and draws are replayed with the priors alone (no learning)
 * and by an oracle that always deploys a remedy that works. Reported: per fault, the incidents of that fault before
 * the top remedy works and stays so; failed fixes and regret (failures beyond the oracle's); medians over runs.
 * Progress on stderr, the report on stdout (one line with --json).
 */
import { parseArgs } from 'node:util';
import { LEVEL_WEIGHT, PRIOR_WEIGHT } from '../src/models/strategyRates.js';
import { FAULTS } from './faults.js';
import { afterFailures, incidents, median, perFault, replay, topRemedy, type Truth } from './replay.js';

const TRUTH: Truth = { works: 0.9, other: 0.05 };

function main(): void {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      incidents: { type: 'string', default: '120' },
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: '21' },
    },
  });
  const count = Number(values.incidents);
  const seed = Number(values.seed);
  const runs = Number(values.runs);
  if (![count, seed, runs].every(Number.isSafeInteger) || count < 1 || runs < 1)
    throw new Error('usage: [--json] [--incidents N >= 1] [--seed S] [--runs R >= 1]');

  const seeds = Array.from({ length: runs }, (_, i) => seed + i);
  const rows = seeds.map((s) => {
    const list = incidents(FAULTS, count, s);
    const learning = replay(list, 'learning', TRUTH);
    const priors = replay(list, 'priors', TRUTH);
    const oracle = replay(list, 'oracle', TRUTH);
    const failures = (steps: typeof learning) => steps.filter((x) => !x.success).length;
    process.stderr.write(
      `seed ${s}: failed fixes learning ${failures(learning)}, priors ${failures(priors)}, oracle ${failures(oracle)}\n`,
    );
    return {
      learning: perFault(learning),
      failures: { learning: failures(learning), priors: failures(priors), oracle: failures(oracle) },
      after: afterFailures(learning),
    };
  });

  const faults = FAULTS.map((f) => {
    const of = rows.map((r) => r.learning.get(f.name)).filter((x) => x !== undefined);
    const settled = of.filter((x) => x.toLearn !== null).map((x) => x.toLearn!);
    const probe = incidents([f], 1, seed)[0]!;
    return {
      fault: f.name,
      story: f.story,
      works: f.works,
      priorsRankFirst: topRemedy(probe, new Map()),
      incidentsPerRun: median(of.map((x) => x.incidents)),
      incidentsToLearn: {
        median: median(settled),
        max: settled.length > 0 ? Math.max(...settled) : null,
        runsNotSettled: of.length - settled.length,
      },
      failedFixesPerRun: median(of.map((x) => x.failures)),
    };
  });
  const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + pick(r), 0);
  const report = {
    bench: 'learning',
    synthetic:
      'Outcomes are drawn from the stated ground truth (faults[].works: a remedy that works fixes the incident with ' +
      `p=${TRUTH.works}, any other with p=${TRUTH.other}), not measured on deployments. Real: the issues go through ` +
      "diagnosis' rankRemedies, the fault signatures (signatureOfIssue), the Beta posteriors (rateFor) and the " +
      "counting of learning.track's model, in memory.",
    settings: {
      incidents: count,
      runs,
      seeds: [seeds[0], seeds.at(-1)],
      priorWeight: PRIOR_WEIGHT,
      levelWeight: LEVEL_WEIGHT,
      truth: TRUTH,
      policy: 'deploy the best-ranked automatable remedy (escalation is not deployed)',
    },
    faults,
    totals: {
      failedFixesPerRun: {
        oracle: median(rows.map((r) => r.failures.oracle)),
        learning: median(rows.map((r) => r.failures.learning)),
        priorsOnly: median(rows.map((r) => r.failures.priors)),
      },
      regretVsOraclePerRun: {
        learning: median(rows.map((r) => r.failures.learning - r.failures.oracle)),
        priorsOnly: median(rows.map((r) => r.failures.priors - r.failures.oracle)),
      },
      // Over all runs: after a remedy that does not work failed, the next incident of that fault ranked another first.
      afterAFailedWrongRemedy: {
        failures: sum((r) => r.after.wrongFailed),
        nextRankedAnotherFirst: sum((r) => r.after.switched),
      },
      // And after a remedy that works failed by bad luck (10 %), the next incident moved away from it.
      afterAnUnluckyRightRemedy: {
        failures: sum((r) => r.after.rightFailed),
        nextMovedAway: sum((r) => r.after.abandoned),
      },
    },
  };
  process.stdout.write(JSON.stringify(report, null, values.json ? 0 : 2) + '\n');
}

main();
