import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DeploymentRecorded } from '@self-healing/schemas';

/**
 * The deployments of one service, read from the public deployments topic (the platform's own deployer and any
 * upstream CD system publish there). Read whole up to its end at the time of the call, by a throw-away consumer
 * group: deployments are rare (hundreds, not millions), and reading the log itself means no projection can lag
 * behind the incident being diagnosed.
 */
export async function readDeployments(
  kafka: Kafka,
  topic: string,
  decode: (value: Buffer) => Promise<unknown>,
  key: { service: string; environment: string | null },
  timeoutMs = 30_000,
): Promise<DeploymentRecorded[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `diagnosis.deployments.${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const pending = new Map(
      ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
    );
    const out: DeploymentRecorded[] = [];
    if (pending.size === 0) return out;
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, rebalanceTimeout: 10_000 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${topic} took over ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const k = message.key?.toString() ?? '';
              const wanted = key.environment
                ? k === `${key.service}/${key.environment}`
                : k.startsWith(`${key.service}/`);
              if (wanted && message.value) {
                const r = (await decode(message.value)) as DeploymentRecorded;
                // A republished record keeps its id: the first copy counts.
                if (!seen.has(r.deploymentId)) {
                  seen.add(r.deploymentId);
                  out.push(r);
                }
              }
              const end = pending.get(partition);
              if (end !== undefined && Number(message.offset) + 1 >= end) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return out.sort((a, b) => a.startedAt - b.startedAt || a.finishedAt - b.finishedAt);
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface DeployedVersions {
  /** The commit serving (some of) the traffic when the symptom began. */
  bad: string;
  /** The commit that served all traffic before it: ran without the symptom. Null for a first deploy. */
  good: string | null;
  deploymentId: string;
  /** When that deployment finished. */
  at: number;
}

/**
 * The deployment that brought the symptom: the newest successful action that put a new commit into traffic
 * (deploy, canary, shift, promote) and started before the onset plus `graceMs` (a detector dates an onset to the
 * start of the window it fired in, which may be a little before the deployment it follows). A rollback puts an old
 * commit back: it never brings a symptom, and the commit it restores is the good one.
 */
export function deploymentAtOnset(
  records: readonly DeploymentRecorded[],
  onset: number,
  graceMs = 60_000,
): DeployedVersions | null {
  const candidates = records.filter(
    (r) =>
      r.outcome === 'succeeded' &&
      r.action !== 'rollback' &&
      r.trafficPercent > 0 &&
      r.startedAt <= onset + graceMs,
  );
  const last = candidates.at(-1);
  if (!last) return null;
  // A shift or promote of a canary continues its rollout: the good commit is what served before the canary began.
  let good = last.previousCommit;
  if (good === last.commit) {
    const earlier = candidates
      .slice(0, -1)
      .reverse()
      .find((r) => r.commit === last.commit && r.previousCommit !== r.commit);
    good = earlier?.previousCommit ?? null;
  }
  return { bad: last.commit, good, deploymentId: last.deploymentId, at: last.finishedAt };
}
