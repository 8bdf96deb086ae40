// The whole loop under chaos: copies of the sample checkout service (three by default, CHAOS_SERVICES for more), each released with a corpus fault behind
// its own HAProxy with shoppers, healed by one platform (its eight services as processes, as `npm run demo` runs
// them) while the seven stage services are SIGKILLed at random moments and started again, and the broker and the
// database are each taken down hard once. Every incident must reach its end, each service's fault must be healed,
// and every outside action must happen exactly once: at most one pull request per incident and one merge per
// service on the forge, one canary and one promotion of each fix by its service's deployer, nothing rolled back,
// one learning outcome per fix.
//
// Its own vitest project (`chaos`, `npm run test:chaos`), not run by `npm test`: restarting the broker would break
// the integration files that run two at a time, and it has not yet passed often enough to gate CI (twice so far).
// Three services with two instances of each stage service take about 18 minutes on two cores; ten (CHAOS_SERVICES=10,
// the batch the healing issue asks for) have not passed here (the README's figures say what the runs found).
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { CHAOS_VICTIMS, healed, runScenarios, timingsFrom, type HealingRecord } from '@self-healing/cli';
import { localInfraStatus } from '@self-healing/infra';
import type { DeploymentRecord } from '@self-healing/target';
import { testEndpoints, testForge } from './src/endpoints.js';

const FAULT = 'gb-label-second-line';
const SERVICES = Number(process.env.CHAOS_SERVICES ?? 3);
/** Instances of each stage service, sharing their group's partitions (anomaly-detect: one active, one on standby). */
const INSTANCES = Number(process.env.CHAOS_INSTANCES ?? 2);
/** How long the platform has after the release: about twice what three services took here (CI's budget is tight). */
const TIMEOUT_S = Number(process.env.CHAOS_TIMEOUT_S ?? 20 * 60);
const LOG = `/tmp/chaos-scenario-${process.pid}.log`;
/**
 * Shoppers per second, shared by the services: five per service, but at most twenty in all (CHAOS_RATE to change).
 * Two cores carry about that much traffic besides the platform's 15 processes and the servers: at fifty (ten
 * services) telemetry-parse's store beat took 50-100 s a run, parsing fell 5-7 minutes behind the traffic and
 * learning had judged none of the four fixes deployed 35 minutes after the release.
 */
const RATE = Number(process.env.CHAOS_RATE ?? Math.min(5 * SERVICES, 20));
/**
 * The warm-up gives each service about 600 shopping sessions whatever the rate (120 s at five a second): fewer leave
 * rare steps (a seldom-used coupon) unseen, and a later first sight of one is reported as news.
 */
const WARMUP_S = Math.max(120, Math.round(600 / Math.max(1, Math.round(RATE / SERVICES))));

describe('the whole loop under chaos', () => {
  it(
    `${SERVICES} incidents healed while every stage service is SIGKILLed and the broker and database restart, each outside action once`,
    { timeout: (TIMEOUT_S + 10 * 60) * 1000 },
    async () => {
      const endpoints = testEndpoints();
      const forge = testForge();
      // The servers can only be restarted when the local launcher runs them (not the environment's own).
      const local = await localInfraStatus();
      const restartable = local.running && local.endpoints?.kafkaBrokers[0] === endpoints.kafkaBrokers[0];
      if (!restartable)
        console.warn("chaos: the servers are not the local launcher's: no broker/database restart");
      const deployments: DeploymentRecord[] = [];
      const records: HealingRecord[] = await runScenarios(
        { ...endpoints, forge },
        {
          faults: Array.from({ length: SERVICES }, () => FAULT),
          timings: {
            ...timingsFrom({}),
            warmupS: WARMUP_S,
            observeS: 30,
            timeoutS: TIMEOUT_S,
            rate: RATE,
          },
          say: (line) => appendFileSync(LOG, `${new Date().toISOString()} ${line}\n`),
          chaos: {
            seed: 20261205,
            meanGapS: 12,
            restartServers: restartable ? ['kafka', 'ferretdb'] : [],
          },
          onDeployment: (r) => deployments.push(r),
          instances: INSTANCES,
        },
      );
      console.log(`chaos: the scenario's story is in ${LOG}`);
      const chaos = records[0]!.chaos!;
      console.log(
        `chaos: ${chaos.filter((c) => c.kind === 'kill').length} kills, restarts: ${JSON.stringify(chaos.filter((c) => c.kind === 'restart'))}`,
      );

      // Chaos reached every stage service, and the servers.
      expect(chaos.filter((c) => c.error)).toEqual([]);
      for (const victim of CHAOS_VICTIMS)
        expect(chaos.some((c) => c.kind === 'kill' && c.target === victim)).toBe(true);
      if (restartable)
        expect(chaos.filter((c) => c.kind === 'restart').map((c) => c.target)).toEqual(['kafka', 'ferretdb']);

      // Every incident reached its end; each service's fault was healed once: its incident resolved by one fix,
      // nothing rolled back. (Another incident a service may open, say a rare step the warm-up did not see, must end
      // too, without a fix: left to people, or closed once its findings stopped; nothing of it merged or deployed.)
      const summary = records.map((r) => ({
        service: r.service,
        ends: r.ends
          .map((x) => (x.end?.kind === 'resolved' ? x.end.resolution : (x.end?.kind ?? 'none')))
          .join(','),
        deployed: r.fixesDeployed,
        rolledBack: r.fixesRolledBack,
      }));
      console.log(JSON.stringify(summary));
      for (const r of records) {
        expect(r.detected, r.service).toBe(true);
        expect(
          r.ends.filter((x) => x.end === null),
          r.service,
        ).toEqual([]);
        expect(
          r.ends.filter((x) => healed(x.end)),
          r.service,
        ).toHaveLength(1);
        expect(r.fixesDeployed, r.service).toBe(1);
        expect(r.fixesRolledBack, r.service).toBe(0);
      }

      // The forge: at most one pull request per incident, from its branch; one merged, the healed incident's.
      for (const r of records) {
        const fixed = r.ends.find((x) => healed(x.end))!.incident;
        const [owner, name] = r.repository.split('/').slice(-2) as [string, string];
        const res = await fetch(`${forge.url}/api/v1/repos/${owner}/${name}/pulls?state=all&limit=50`, {
          headers: { authorization: `token ${forge.token}` },
        });
        const pulls = (await res.json()) as Array<{
          head: { ref: string };
          merged: boolean;
          merge_commit_sha: string;
        }>;
        const heads = pulls.map((p) => p.head.ref);
        expect(new Set(heads).size, r.service).toBe(heads.length);
        for (const head of heads)
          expect(
            r.incidents.map((i) => `heal/${i}`),
            r.service,
          ).toContain(head);
        const merged = pulls.filter((p) => p.merged);
        expect(
          merged.map((p) => p.head.ref),
          r.service,
        ).toEqual([`heal/${fixed}`]);
        // Its deployer: the merge commit went out once as a canary and was promoted once; nothing rolled back.
        const own = deployments.filter((d) => d.service === r.service && d.outcome === 'succeeded');
        const ofFix = own.filter((d) => d.commit === merged[0]!.merge_commit_sha).map((d) => d.action);
        expect(ofFix, r.service).toEqual(['canary', 'promote']);
        expect(
          own.filter((d) => d.action === 'rollback'),
          r.service,
        ).toEqual([]);
      }

      // Learning: one outcome per fix, and the rates count each once.
      const client = await MongoClient.connect(endpoints.mongodbUri);
      try {
        const db = client.db(records[0]!.namespace);
        const incidents = records.flatMap((r) => r.incidents);
        const outcomes = await db.collection('learning_outcomes').find({}).toArray();
        expect(outcomes).toHaveLength(SERVICES);
        const rates = await db.collection('learning_strategy_rates').find({ key: null }).toArray();
        expect(rates.reduce((n, r) => n + (r['attempts'] as number), 0)).toBe(SERVICES);
        const effectiveness = await db
          .collection('learning_effectiveness')
          .countDocuments({ incidentId: { $in: incidents } });
        expect(effectiveness).toBe(SERVICES);
      } finally {
        await client.close();
      }
    },
  );
});
