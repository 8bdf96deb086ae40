import type { EffectivenessDocument } from '../service/case.js';

export interface Insight {
  /** Deterministic from (kind, subject): the same lesson keeps its id as evidence accumulates. */
  id: string;
  kind:
    'strategy-effective' | 'strategy-ineffective' | 'recurring-cause' | 'file-keeps-breaking' | 'time-to-fix';
  summary: string;
  confidence: number;
}

type Record = Pick<
  EffectivenessDocument,
  | 'incidentId'
  | 'service'
  | 'strategy'
  | 'remedyKind'
  | 'outcome'
  | 'signatureKeys'
  | 'files'
  | 'detectionToVerifiedMs'
>;

const success = (r: Record) => r.outcome === 'resolved' || r.outcome === 'improved';

/**
 * Lessons for people from a service's effectiveness records: per remedy, how often it worked (with a Beta(1,1)
 * posterior's mean as the confidence of the claim); causes that came back (the same specific fault signature in
 * more than one incident); files that more than one fix had to change; and the median time from detection to a
 * verified fix.
 */
export function insightsOf(service: string, records: readonly Record[]): Insight[] {
  const out: Insight[] = [];
  const mine = records.filter((r) => r.service === service);
  const byRemedy = groupBy(mine, (r) => `${r.strategy} (${r.remedyKind})`);
  for (const [remedy, rs] of byRemedy) {
    const ok = rs.filter(success).length;
    const mean = (ok + 1) / (rs.length + 2);
    out.push({
      id: `${ok * 2 >= rs.length ? 'strategy-effective' : 'strategy-ineffective'}:${service}:${remedy}`,
      kind: ok * 2 >= rs.length ? 'strategy-effective' : 'strategy-ineffective',
      summary: `${remedy} fixed ${ok} of ${rs.length} tr${rs.length === 1 ? 'y' : 'ies'} on incidents of ${service}`,
      confidence: ok * 2 >= rs.length ? mean : 1 - mean,
    });
  }
  const bySignature = groupBy(
    mine.filter((r) => r.signatureKeys.length > 1),
    (r) => r.signatureKeys.at(-1)!,
  );
  // Counted in incidents: the next candidates of one incident are one cause coming back, not several.
  for (const [signature, rs] of bySignature) {
    const incidents = [...new Set(rs.map((r) => r.incidentId))];
    if (incidents.length > 1)
      out.push({
        id: `recurring-cause:${service}:${signature}`,
        kind: 'recurring-cause',
        summary: `${signature} caused ${incidents.length} incidents of ${service} (${incidents.join(', ')})`,
        confidence: Math.min(1, incidents.length / 5),
      });
  }
  const byFile = groupBy(
    mine.flatMap((r) => r.files.map((f) => ({ f, r }))),
    (x) => x.f,
  );
  for (const [file, xs] of byFile) {
    const incidents = new Set(xs.map((x) => x.r.incidentId)).size;
    if (incidents > 1)
      out.push({
        id: `file-keeps-breaking:${service}:${file}`,
        kind: 'file-keeps-breaking',
        summary: `${file} was changed by fixes of ${incidents} incidents of ${service}`,
        confidence: Math.min(1, incidents / 5),
      });
  }
  const times = mine
    .filter(success)
    .map((r) => r.detectionToVerifiedMs)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  if (times.length)
    out.push({
      id: `time-to-fix:${service}`,
      kind: 'time-to-fix',
      summary: `median ${minutes(times[Math.floor((times.length - 1) / 2)]!)} from detection to a verified fix over ${times.length} fix(es) of ${service}`,
      confidence: Math.min(1, times.length / 10),
    });
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** A few sentences on one incident's fix, for the effectiveness record and `healctl incidents show`. */
export function summaryOf(
  r: Record & { improvement: { score: number; cleared: number; remaining: number } },
): string {
  const verdict = {
    resolved: 'resolved the incident: every series it named is back to its baseline',
    improved: 'improved things without bringing every series back to its baseline',
    no_change: 'changed nothing measurable',
    regressed: 'made things worse',
  }[r.outcome];
  return (
    `${r.strategy} (${r.remedyKind}) ${verdict} (score ${r.improvement.score.toFixed(2)}, ${r.improvement.cleared} finding(s) cleared, ` +
    `${r.improvement.remaining} remaining)` +
    (r.detectionToVerifiedMs !== null
      ? `; ${minutes(r.detectionToVerifiedMs)} from detection to verification.`
      : '.')
  );
}

const minutes = (ms: number) =>
  ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}
