/**
 * `npm run demo`: the platform heals a real service on one machine, with nobody touching it. It starts the servers
 * (Kafka, the Schema Registry, the MongoDB-compatible store and the forge), puts the sample checkout service's
 * repository on the forge, runs the platform's eight services as processes, deploys the healthy release behind
 * HAProxy with real shoppers, then a release that carries a fault of the corpus among other changes; and tells the
 * story of what follows, from the projection: the incident opening with its evidence, the diagnosis naming the
 * commit, file and line, the patch, its validation, the pull request on the forge, CI, the merge, the canary, the
 * verification and the learning record (scenario.ts). Then a second act (DEMO_SECOND_ACT=off skips it): the
 * owners take the promoted fix out, and the platform reverts it and heals the incident with its next candidate.
 * How the detectors get a baseline in minutes: see `Timings`.
 */
import { resolveEndpoints } from '@self-healing/infra';
import { pruneEarlierDemoRuns } from '../commands/demoNamespaces.js';
import { exitWhenFlushed } from '../output.js';
import { runScenario, timingsFrom } from './scenario.js';
import { healed } from './story.js';

/** The corpus fault the demo releases: British labels without a second address line throw (an error fault). */
const FAULT = process.env.DEMO_FAULT ?? 'gb-label-second-line';
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  say('self-healing demo: a real service, a real fault, healed with nobody touching it\n');
  say('1/7  servers: Kafka, Schema Registry, MongoDB-compatible store, the forge (Gitea)');
  const { endpoints: e } = await resolveEndpoints({ log: (l: string) => say(`     ${l}`) });
  const forge = e.forge;
  if (!forge)
    throw new Error(
      'the demo needs the forge: let the local launcher start Gitea (the default), or set FORGE_URL and FORGE_TOKEN',
    );
  await pruneEarlierDemoRuns(e, say);
  const r = await runScenario(
    { ...e, forge },
    { fault: FAULT, timings: timingsFrom(), say, secondAct: process.env.DEMO_SECOND_ACT !== 'off' },
  );

  say(
    `\n7/7  done in ${Math.round((Date.now() - started) / 1000)} s; since the release the shoppers made ${r.traffic.requests} requests, ${r.traffic.failed} failed.`,
  );
  for (const { incident, end } of r.ends)
    say(
      `     ${incident}: ${
        end === null
          ? 'still under way when the demo stopped'
          : healed(end)
            ? `healed${end.afterMs === null ? '' : ` ${Math.round(end.afterMs / 1000)} s after it opened`}: the fix serves everyone and its telemetry shows the fault gone`
            : end.kind === 'resolved'
              ? `closed without a fix (${end.resolution})`
              : `left for people: ${end.why}`
      }`,
    );
  if (r.secondAct) {
    const end = r.secondAct.end;
    say(
      `     act 2: the owners took out "${r.secondAct.fix}" (deployment ${r.secondAct.rollbackOf}); ${
        end === null
          ? 'the next candidate was still under way when the demo stopped'
          : healed(end)
            ? 'the next candidate healed it again'
            : end.kind === 'resolved'
              ? `it closed without a fix (${end.resolution})`
              : `then: ${end.why}`
      }`,
    );
  }
  const healctl = `MONGODB_DB=${r.namespace} TOPIC_PREFIX=${r.namespace}. npm run healctl --`;
  say('\nWhere to look next:');
  for (const { incident } of r.ends)
    say(`  ${healctl} incidents show ${incident}   the whole story, stage by stage`);
  say(`  ${healctl} incidents list   every run and incident, newest first`);
  say(`  ${healctl} insights   what the platform learned, per service and remedy`);
  say(`  ${r.repository}/pulls?state=all   the pull requests, on the forge`);
  say(`  .demo/${r.namespace}   the platform's logs, the service's repository and the catalogue of this run`);
  say("  npm run healctl -- demo prune --keep 0   remove every demo run's namespace and files");
  say('  npm run healctl -- infra down   stop the local servers');
  if (!r.verified || (r.secondAct && !healed(r.secondAct.end ?? undefined))) process.exitCode = 1;
}

// Exits once the output is drained: `npm run demo | tee demo.txt` gets all of it.
main().then(
  () => exitWhenFlushed(Number(process.exitCode ?? 0)),
  (error) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exitWhenFlushed(1);
  },
);
