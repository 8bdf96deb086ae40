/**
 * `npm run bench:healing -- [--corpus <dir>] [--faults a,b,c] [--json] [--warmup-s 120] [--observe-s 60]
 *   [--timeout-s 900] [--parallel 1] [--detection-preset hour-scale|minute-scale]`
 *
 * The whole loop, per fault of a corpus (the project's, or another in the same layout: history/*.patch and
 * faults/<id>/ with truth.json): the scenario `npm run demo` runs (src/demo/scenario.ts), once per fault, each in a
 * namespace of its own: the service's repository on the forge, the platform's eight services as processes, the
 * healthy release behind HAProxy with shoppers, a warm-up, the faulty release, and the platform left to work until
 * every incident it opened has ended or the time is up. Per fault: detected, time to detect, suspect commit right
 * (the first incident's diagnosis, its most confident issue's first suspect against truth.json's fault commit, read
 * only when judging), candidate fixes generated, validated, deployed, rolled back, verified by learning, and the
 * time from detection to the verified fix; then the totals. "Correct" (the fix equal to the maintainer's) is not
 * judged here: fix.generate's own corpus test measures it.
 *
 * Nothing of the platform knows the corpus: it sees the logs the deployed processes write, the repository on the
 * forge and the deployer's records. About 5-7 minutes per fault on two cores.
 *
 * `--detection-preset minute-scale` gives the services' performance detector minute time scales (baselines from the
 * warm-up), so latency faults can be seen; the default keeps the demo's hour-scale preset, under which they are not.
 *
 * `--parallel N` runs the faults N at a time, each in a service of its own (its repository, HAProxy and shoppers)
 * healed by one platform: the whole corpus in a fraction of the time, under N times the load (times to detect and
 * to heal are then longer than one fault alone would take).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveEndpoints } from '@self-healing/infra';
import { loadCorpus } from '@self-healing/sample-service';
import { runScenarios, timingsFrom, type HealingRecord } from '../src/demo/scenario.js';
import { totalsOf } from './healing/totals.js';

function options() {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      faults: { type: 'string' },
      json: { type: 'boolean', default: false },
      'warmup-s': { type: 'string' },
      'observe-s': { type: 'string' },
      'timeout-s': { type: 'string' },
      parallel: { type: 'string', default: '1' },
      'detection-preset': { type: 'string' },
    },
  });
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new Error(`--parallel: not a count: ${values.parallel}`);
  const timings = timingsFrom({
    DEMO_WARMUP_S: values['warmup-s'] ?? process.env.DEMO_WARMUP_S,
    DEMO_OBSERVE_S: values['observe-s'] ?? process.env.DEMO_OBSERVE_S,
    DEMO_TIMEOUT_S: values['timeout-s'] ?? process.env.DEMO_TIMEOUT_S ?? '900',
  });
  return {
    corpus: values.corpus ? resolve(values.corpus) : undefined,
    faults: values.faults
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    json: values.json!,
    timings,
    parallel,
    detectionPreset: values['detection-preset'],
  };
}

async function main(): Promise<void> {
  const o = options();
  // With --json, stdout carries the result alone; the story goes to stderr, every line marked as a comment.
  const log = (text: string) =>
    process.stderr.write(
      `${text
        .split('\n')
        .map((line) => (o.json ? `# ${line}` : line))
        .join('\n')}\n`,
    );
  const corpus = await loadCorpus(o.corpus);
  const ids = o.faults ?? corpus.faults.map((f) => f.truth.id);
  const unknown = ids.filter((id) => !corpus.faults.some((f) => f.truth.id === id));
  if (unknown.length) throw new Error(`not in the corpus: ${unknown.join(', ')}`);
  const { endpoints: e } = await resolveEndpoints({ log });
  const forge = e.forge;
  if (!forge)
    throw new Error('the healing bench needs the forge (the local launcher starts Gitea by default)');
  const records: HealingRecord[] = [];
  let interrupted: string | null = null;
  for (let i = 0; i < ids.length; i += o.parallel) {
    const batch = ids.slice(i, i + o.parallel);
    log(`\n=== ${i + 1}${batch.length > 1 ? `-${i + batch.length}` : ''}/${ids.length} ${batch.join(', ')}`);
    const started = Date.now();
    let rs: HealingRecord[];
    try {
      rs = await runScenarios(
        { ...e, forge },
        {
          faults: batch,
          timings: o.timings,
          say: log,
          corpus,
          ...(o.detectionPreset ? { detectionPreset: o.detectionPreset } : {}),
        },
      );
    } catch (error) {
      // Interrupted: the scenario stopped what it started; the faults done so far are still reported.
      if (!(error instanceof Error && error.message.startsWith('interrupted'))) throw error;
      log(`=== ${batch.join(', ')}: interrupted; reporting the ${records.length} fault(s) done`);
      interrupted = batch[0]!;
      break;
    }
    records.push(...rs);
    for (const r of rs)
      log(
        `=== ${r.fault}${rs.length > 1 ? ` (${r.service})` : ''}: detected ${r.detected ? `in ${r.detectSeconds} s` : 'no'}, suspect commit ${r.suspectCommitTop1 ?? '-'}, ` +
          `fixes ${r.fixesGenerated} generated / ${r.fixesValidated} validated / ${r.fixesDeployed} deployed / ${r.fixesRolledBack} rolled back, ` +
          `verified ${r.verified ? `${r.detectionToVerifiedSeconds} s after detection` : 'no'} (${Math.round((Date.now() - started) / 1000)} s)`,
      );
  }
  const result = {
    corpus: o.corpus ?? 'services/sample-service/corpus',
    timings: o.timings,
    parallel: o.parallel,
    detectionPreset: o.detectionPreset ?? 'hour-scale',
    interruptedAt: interrupted,
    totals: totalsOf(records),
    faults: records.map(({ ends, ...r }) => ({
      ...r,
      ends: ends.map((x) => ({ incident: x.incident, end: x.end })),
    })),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${JSON.stringify(result.totals, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:healing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
