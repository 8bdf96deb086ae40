import type { Finding } from '@self-healing/schemas';

/** At most this many findings ride on a detector's beat event... */
export const EVENT_FINDINGS_LIMIT = 200;
/** ...and at most about this many bytes of them: Kafka refuses a record over 1 MB by default. */
export const EVENT_FINDINGS_BYTES = 400_000;

/**
 * The findings a detector's beat event carries: all of them when they are few, else a sample up to the limits, with
 * the total. The sample takes each (service, rule) group's strongest in turn (magnitudes compare only within a
 * rule), so that every kind of finding of every service shows; it keeps the findings' order. The run stages and
 * stores every finding (the aggregation and the incidents read those): the event tells subscribers what ran. A burst
 * of findings (a cold model, ten services' sessions at once) once made an event too large for the broker, and the
 * run failed for good.
 */
export function findingsForEvent(findings: readonly Finding[]): {
  findings: Finding[];
  findingsTotal: number;
} {
  const total = findings.length;
  const sizes = findings.map((f) => JSON.stringify(f).length);
  if (total <= EVENT_FINDINGS_LIMIT && sizes.reduce((a, b) => a + b, 0) <= EVENT_FINDINGS_BYTES)
    return { findings: [...findings], findingsTotal: total };
  const groups = new Map<string, number[]>();
  findings.forEach((f, i) => {
    const key = `${f.service}\u0000${f.rule}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const queues = [...groups.values()].map((g) =>
    g.sort((a, b) => findings[b]!.magnitude - findings[a]!.magnitude || a - b),
  );
  const kept: number[] = [];
  let bytes = 0;
  for (let round = 0; kept.length < EVENT_FINDINGS_LIMIT && queues.some((q) => round < q.length); round++)
    for (const q of queues) {
      const i = q[round];
      if (i === undefined || kept.length >= EVENT_FINDINGS_LIMIT || bytes + sizes[i]! > EVENT_FINDINGS_BYTES)
        continue;
      kept.push(i);
      bytes += sizes[i]!;
    }
  return { findings: kept.sort((a, b) => a - b).map((i) => findings[i]!), findingsTotal: total };
}
