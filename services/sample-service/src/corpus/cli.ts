import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCorpus, materializeCorpus, materializeFault, materializeHistory } from './materialize.js';

/**
 * `npm run -w @self-healing/sample-service corpus:materialize -- --out <dir> [--fault <id> | --all | --list]`
 * Without --fault or --all: the healthy history only.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      fault: { type: 'string' },
      all: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
    },
  });
  const corpus = await loadCorpus();
  if (values.list) {
    for (const f of corpus.faults)
      console.log(`${f.truth.id}\t${f.truth.kind}\t${f.truth.symptom}\t${f.truth.title}`);
    return;
  }
  if (!values.out) throw new Error('--out <dir> is required');
  const out = resolve(values.out);
  if (values.fault) {
    const r = await materializeFault(values.fault, out, corpus);
    console.log(
      JSON.stringify(
        { repo: r.repo, healthy: r.healthy, faulty: r.faulty, faultCommit: r.faultSha, commits: r.commits },
        null,
        2,
      ),
    );
  } else if (values.all) {
    const r = await materializeCorpus(out, corpus);
    console.log(
      JSON.stringify({ repo: r.repo, healthy: r.healthy, faults: Object.fromEntries(r.releases) }, null, 2),
    );
  } else {
    console.log(JSON.stringify(await materializeHistory(out, corpus), null, 2));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
