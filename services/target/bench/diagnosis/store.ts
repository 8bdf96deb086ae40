import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { connectMongo } from '@self-healing/shared';
import type { StoredDiagnosis, StoredIssue } from './judge.js';

type Db = Awaited<ReturnType<typeof connectMongo>>['db'];

/** The incidents anomaly-detect stored, with when each opened (`anomaly_incidents`, keyed by incident id). */
export async function readIncidents(db: Db): Promise<Array<{ id: string; openedAt: number }>> {
  const docs = await db.collection<Record<string, unknown>>('anomaly_incidents').find({}).toArray();
  return docs.map((d) => ({ id: String(d.id ?? d._id), openedAt: Number(d.openedAt ?? 0) }));
}

/** Every stored diagnosis of the namespace, reduced to what the judge reads. */
export async function readDiagnoses(db: Db): Promise<StoredDiagnosis[]> {
  const docs = await db.collection<Record<string, unknown>>('diagnoses').find({}).toArray();
  return docs.map((d) => ({
    diagnosisId: String(d.diagnosisId ?? d._id),
    incidentId: String(d.incidentId),
    incidentVersion: Number(d.incidentVersion ?? 0),
    codebase:
      d.codebase && typeof d.codebase === 'object'
        ? {
            bad: String((d.codebase as Record<string, unknown>).bad),
            good: ((d.codebase as Record<string, unknown>).good as string | null | undefined) ?? null,
          }
        : null,
    issues: (Array.isArray(d.issues) ? (d.issues as Array<Record<string, unknown>>) : []).map(
      (i): StoredIssue => ({
        kind: String(i.kind),
        ...(typeof i.title === 'string' ? { title: i.title } : {}),
        confidence: Number(i.confidence ?? 0),
        lines: (Array.isArray(i.lines) ? (i.lines as Array<Record<string, unknown>>) : []).map((l) => ({
          path: String(l.path),
          line: Number(l.line),
          score: Number(l.score ?? 0),
          ...(typeof l.why === 'string' ? { why: l.why } : {}),
        })),
        suspects: (Array.isArray(i.suspects) ? (i.suspects as Array<Record<string, unknown>>) : []).map(
          (s) => ({
            sha: String(s.sha),
            score: Number(s.score ?? 0),
          }),
        ),
        sentrySuspect: typeof i.sentrySuspect === 'string' ? i.sentrySuspect : null,
      }),
    ),
  }));
}

/**
 * Waits until every one of `incidentIds` has a stored diagnosis, or `ms` passed; returns the ids still without one.
 * A diagnosis the stage rejected or failed stores nothing: the wait then runs to its bound.
 */
export async function waitForDiagnoses(
  db: Db,
  incidentIds: readonly string[],
  ms: number,
  pollMs = 5000,
): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const have = new Set((await readDiagnoses(db)).map((d) => d.incidentId));
    const missing = incidentIds.filter((id) => !have.has(id));
    if (missing.length === 0 || Date.now() >= until) return missing;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, until - Date.now()))));
  }
}

/**
 * The catalogue the diagnosis stage reads: the example catalogue's entry for the service, its repository replaced
 * by the bench's materialized corpus repository as a file:// URL (the catalogue takes URLs only; the stage mirrors
 * it with `git clone --mirror`).
 */
export function writeCatalogue(
  file: string,
  service: string,
  entry: { repository: Record<string, unknown> } & Record<string, unknown>,
  repoDir: string,
): void {
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      services: {
        [service]: { ...entry, repository: { ...entry.repository, url: pathToFileURL(repoDir).href } },
      },
    }),
  );
}
