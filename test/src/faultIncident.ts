// A corpus fault made real for the healing stages: the sample service's repository with the fault, on the forge;
// the faulty release built and run, its fault's probe failing for real; its logs through the real parse stage; the
// incident anomaly-detect would open for the new error template; the deployments around its onset as the deployer
// publishes them; and a catalogue naming the forge's repository.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { buildEvent, outsideBeatMeta } from '@self-healing/shared';
import {
  deploymentRecordedSchema,
  deploymentRecordedSubject,
  type Finding,
  type PayloadOf,
} from '@self-healing/schemas';
import { GiteaForge, pushToForge, type RepoRef } from '@self-healing/shared/forge';
import { loadCatalogue, type ServiceEntry } from '@self-healing/shared/catalogue';
import { requestParse, ship, TelemetryReadModel } from '@self-healing/telemetry-parse';
import { IncrementalBuild, materializeFault, runProbe } from '@self-healing/sample-service';
import { exampleCatalogue } from '@self-healing/target';
import { serviceEnv, type TestEnvironment } from './environment.js';
import { testForge, uniqueName, waitFor } from './endpoints.js';
import { startTelemetryParse } from './services.js';
import { publishEvent } from './stageEvents.js';

const run = promisify(execFile);

export interface FaultIncident {
  release: Awaited<ReturnType<typeof materializeFault>>;
  forge: GiteaForge;
  repoRef: RepoRef;
  cloneUrl: string;
  finding: Finding;
  parseRunId: string;
  /** The service's catalogue entry, its repository on the forge. */
  entry: ServiceEntry;
  /** The environment of a stage service in `env`, with the catalogue, the mirrors and the forge. */
  vars: Record<string, string>;
  /** Publishes the incident as anomaly-detect opens it. */
  publishIncident(incidentId: string, severity?: PayloadOf<'IncidentOpened'>['severity']): Promise<void>;
}

export async function faultIncident(
  env: TestEnvironment,
  work: string,
  p: { fault: string; service: string; repoPrefix: string },
): Promise<FaultIncident> {
  // The repository, on the forge; public, since the deployer clones without credentials.
  const release = await materializeFault(p.fault, join(work, 'repo'));
  const { url, token } = testForge();
  const forge = new GiteaForge({ url, token });
  const repoRef = { owner: (await forge.currentUser()).login, name: uniqueName(p.repoPrefix) };
  await forge.ensureRepo(repoRef, { private: false, description: `sample service with ${p.fault}` });
  await pushToForge(forge, repoRef, {
    dir: release.repo,
    refspecs: ['main:main', 'refs/tags/*:refs/tags/*'],
  });
  const cloneUrl = (await forge.gitRemote(repoRef)).url;

  // The faulty release, built and run: the fault's probe fails.
  await run('git', ['-C', release.repo, 'checkout', '-q', 'faulty']);
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: release.repo,
  });
  expect(new IncrementalBuild(release.repo).build()).toEqual([]);
  const probed = await runProbe(release.repo, release.fault.truth.probe);
  expect(probed.responses.at(-1)?.status).toBe(500);
  const logFile = join(env.logRoot, `${p.service}.log`);
  await writeFile(logFile, probed.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');

  // Its telemetry, through the real parse stage.
  let vars = serviceEnv(env);
  const parse = await startTelemetryParse(vars);
  let finding: Finding;
  const parseRunId = uniqueName('parse');
  try {
    const shipped = await ship(env.kafka, [logFile], {
      service: p.service,
      topic: env.topics.telemetryRaw,
      linesPerRecord: 500,
    });
    await requestParse(env.kafka, env.codec, env.topics.commands, parseRunId, shipped, {
      service: p.service,
    });
    const telemetry = new TelemetryReadModel(env.db);
    const errors = await waitFor(
      async () => {
        const events = await telemetry.detectionEventsOf({
          parseRunIds: [parseRunId],
          services: [p.service],
          timeRange: null,
        });
        const withStack = events.filter((e) => e.level === 'error' && e.stack.length > 0);
        return withStack.length > 0 ? withStack : undefined;
      },
      { timeoutMs: 120_000, maxIntervalMs: 1000, message: 'the parsed error with its stack' },
    );
    const error = errors[0]!;
    finding = {
      id: `f-${p.fault}`,
      kind: 'error',
      rule: 'new-error-template',
      service: p.service,
      subject: error.templateId,
      templateIds: [error.templateId],
      since: error.timestamp,
      at: error.timestamp,
      magnitude: errors.length,
      explanation: `New error template "${error.template}"`,
      evidence: { count: errors.length, frames: error.stack.slice(0, 5).join(' < ') },
    };
  } finally {
    await parse.stop();
  }

  // The deployments around the onset, as the deployer publishes them: the healthy release, then the faulty one as a
  // canary.
  const subject = `${env.prefix}${deploymentRecordedSubject}`;
  const record = (over: Record<string, unknown>) => ({
    service: p.service,
    environment: 'test',
    action: 'deploy',
    outcome: 'succeeded',
    trafficPercent: 100,
    instances: 2,
    reason: null,
    deployer: 'process-haproxy',
    host: 'test',
    ...over,
  });
  const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const r of [
    record({
      deploymentId: 'd-1',
      commit: release.healthy,
      version: '1.4.0',
      previousCommit: null,
      startedAt: finding.since - 3_600_000,
      finishedAt: finding.since - 3_590_000,
    }),
    record({
      deploymentId: 'd-2',
      commit: release.faulty,
      version: '1.5.0',
      previousCommit: release.healthy,
      action: 'canary',
      trafficPercent: 50,
      startedAt: finding.since - 120_000,
      finishedAt: finding.since - 100_000,
    }),
  ])
    await producer.send({
      topic: env.topics.deployments,
      acks: -1,
      messages: [
        {
          key: `${p.service}/test`,
          value: await env.codec.encodeRecord(subject, deploymentRecordedSchema, r),
        },
      ],
    });
  await producer.disconnect();

  // The catalogue: the sample service, its repository on the forge.
  const example = loadCatalogue(exampleCatalogue()).services[p.service]!;
  const entry: ServiceEntry = { ...example, repository: { ...example.repository, url: cloneUrl } };
  const cataloguePath = join(work, 'catalogue.json');
  await writeFile(cataloguePath, JSON.stringify({ version: 1, services: { [p.service]: entry } }));
  vars = {
    ...vars,
    CATALOGUE: cataloguePath,
    REPO_CACHE_DIR: join(work, 'repos'),
    FORGE_URL: url,
    FORGE_TOKEN: token,
    FORGE_USER: repoRef.owner,
  };

  const publishIncident = async (
    incidentId: string,
    severity: PayloadOf<'IncidentOpened'>['severity'] = 'high',
  ) => {
    const payload: PayloadOf<'IncidentOpened'> = {
      incidentId,
      fingerprint: `fp-${incidentId}`,
      title: finding.explanation,
      severity,
      kinds: ['error'],
      services: [p.service],
      timeRange: { from: finding.since, until: finding.at + 1 },
      findings: [finding],
      detectionRunId: `det-${incidentId}`,
      parseRunIds: [parseRunId],
    };
    const event = buildEvent(
      'incidents',
      { type: 'IncidentOpened', payload },
      outsideBeatMeta({
        incidentId,
        seq: 1,
        correlationId: `corr-${incidentId}`,
        occurredAt: finding.at,
        producer: 'anomaly-detect/test',
      }),
    );
    await publishEvent(env, env.topics.incidents, incidentId, event);
  };
  return { release, forge, repoRef, cloneUrl, finding, parseRunId, entry, vars, publishIncident };
}
