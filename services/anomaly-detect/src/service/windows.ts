import { DDSketch } from '@datadog/sketches-js';
import type { WindowAggregate } from '@self-healing/schemas';

/**
 * Parse runs cut time arbitrarily: a window can get events from two runs, each storing its own contribution.
 * Before a window's metrics mean anything it must be whole: contributions are merged (counts add, latency
 * sketches merge exactly), and a window that extends past what has been parsed so far is left for later.
 */
export function mergeContributions(contributions: readonly WindowAggregate[]): WindowAggregate[] {
  const byKey = new Map<string, WindowAggregate[]>();
  for (const a of contributions) {
    const key = `${a.service}\u0000${a.templateId}\u0000${a.windowStart}`;
    const list = byKey.get(key);
    if (list) list.push(a);
    else byKey.set(key, [a]);
  }
  const merged: WindowAggregate[] = [];
  for (const parts of byKey.values()) {
    const first = parts[0]!;
    if (parts.length === 1) {
      merged.push(first);
      continue;
    }
    const sketches = parts.filter((p) => p.latencySketch).map((p) => DDSketch.fromProto(p.latencySketch!));
    let latency: WindowAggregate['latency'] = null;
    let latencySketch: Uint8Array | null = null;
    if (sketches.length > 0) {
      const sketch = sketches[0]!;
      for (const other of sketches.slice(1)) sketch.merge(other);
      latency = {
        p50: sketch.getValueAtQuantile(0.5),
        p95: sketch.getValueAtQuantile(0.95),
        p99: sketch.getValueAtQuantile(0.99),
        max: Math.max(...parts.map((p) => p.latency?.max ?? -Infinity)),
        count: parts.reduce((n, p) => n + (p.latency?.count ?? 0), 0),
      };
      latencySketch = sketch.toProto();
    }
    merged.push({
      ...first,
      count: parts.reduce((n, p) => n + p.count, 0),
      errorCount: parts.reduce((n, p) => n + p.errorCount, 0),
      latency,
      latencySketch,
      firstSeen: Math.min(...parts.map((p) => p.firstSeen)),
      lastSeen: Math.max(...parts.map((p) => p.lastSeen)),
      newTemplate: parts.some((p) => p.newTemplate),
    });
  }
  return merged.sort(
    (a, b) =>
      a.windowStart - b.windowStart ||
      a.service.localeCompare(b.service) ||
      a.templateId.localeCompare(b.templateId),
  );
}

/** Windows that end at or before `parsedUntil` (everything up to it has been parsed): the ones to examine. */
export function completeWindows(
  aggregates: readonly WindowAggregate[],
  parsedUntil: number,
): WindowAggregate[] {
  return aggregates.filter((a) => a.windowStart + a.windowMs <= parsedUntil);
}
