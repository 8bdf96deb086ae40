import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  rateFor,
  rateKey,
  REMEDY_KINDS,
  type RemedyKind,
  type StrategyRecord,
} from '@self-healing/diagnosis';
import {
  EFFECTIVENESS,
  insightsOf,
  RATES,
  type EffectivenessDocument,
  type Insight,
  type RateDocument,
} from '@self-healing/learning';
import { withMongo } from '../context.js';
import { formatTime, printJson } from '../output.js';

/** The records insights are drawn from, per service: the same bound learning.track's own insights beat reads. */
const RECORDS_PER_SERVICE = 500;
const RECENT = 10;

/** The parts of an effectiveness record this command reads. */
export type EffectivenessRecord = Pick<
  EffectivenessDocument,
  | 'incidentId'
  | 'service'
  | 'strategy'
  | 'remedyKind'
  | 'outcome'
  | 'signatureKeys'
  | 'files'
  | 'detectionToVerifiedMs'
  | 'summary'
  | 'at'
>;

/** The parts of a `learning_strategy_rates` document this command reads (kind as stored: any string). */
export type RateDoc = Pick<RateDocument, '_id' | 'key' | 'attempts' | 'successes'> & { kind: string };

export interface RemedyRow {
  strategy: string;
  remedyKind: string;
  attempts: number;
  /** Resolved only: what the remedy models count as a success (learning's successOf). */
  successes: number;
  /** Better but not back to the baseline: shown apart, as the models do not count it. */
  improved: number;
  successRate: number;
  /** Median over the attempts whose fix served until its observation ended; null when none did. */
  medianDetectionToVerifiedMs: number | null;
}

export interface ModelRow {
  kind: string;
  /** `*` for the kind over all faults, else the signature key. */
  level: string;
  attempts: number;
  successes: number;
  /** Posterior the ranking would use for a fault whose most specific key is this level; null for an unranked kind. */
  mean: number | null;
  lower95: number | null;
}

export interface ServiceInsights {
  service: string;
  records: number;
  insights: Insight[];
  remedies: RemedyRow[];
  models: ModelRow[];
  recent: Array<Pick<EffectivenessRecord, 'incidentId' | 'outcome' | 'summary' | 'at'>>;
}

export function registerInsightsCommand(program: Command): void {
  program
    .command('insights')
    .description(
      'what learning.track measured: per service, which remedies work, the success models, recent fixes',
    )
    .option('--service <name>', 'only this service', serviceName)
    .option('--json', 'machine-readable output')
    .action(async (opts: { service?: string; json?: boolean }) => {
      await withMongo(async (db) => {
        const effectiveness = db.collection<EffectivenessRecord & { _id: string }>(EFFECTIVENESS);
        const services = opts.service
          ? [opts.service]
          : ((await effectiveness.distinct('service')) as unknown[])
              .filter((s): s is string => typeof s === 'string')
              .sort();
        const reports: ServiceInsights[] = [];
        for (const service of services) {
          const records = await effectiveness
            .find({ service })
            .sort({ at: -1 })
            .limit(RECORDS_PER_SERVICE)
            .toArray();
          if (records.length === 0) continue;
          const ids = [...new Set(records.flatMap(rateIdsOf))];
          const rates = await db
            .collection<RateDoc>(RATES)
            .find({ _id: { $in: ids } })
            .toArray();
          reports.push(serviceInsights(service, records, rates));
        }
        if (opts.json) return printJson({ services: reports });
        process.stdout.write(
          reports.length === 0
            ? `no effectiveness records yet${opts.service ? ` for service ${opts.service}` : ''} (learning.track writes one per deployed fix, after its observation window)\n`
            : reports.map(formatServiceInsights).join('\n'),
        );
      });
    });
}

/** A service name as the catalogue writes them; anything else could not match a record. */
export function serviceName(value: string): string {
  if (!/^[\w.-]{1,100}$/.test(value))
    throw new InvalidArgumentError(`expected a service name (letters, digits, . _ -), got "${value}"`);
  return value;
}

/** The rate documents one record moved (learning's rateLevels): its kind over all faults and on each signature key. */
function rateIdsOf(r: Pick<EffectivenessRecord, 'remedyKind' | 'signatureKeys'>): string[] {
  const kind = r.remedyKind as RemedyKind;
  return [rateKey(kind), ...r.signatureKeys.map((k) => rateKey(kind, k))];
}

const isRanked = (kind: string): kind is RemedyKind => (REMEDY_KINDS as readonly string[]).includes(kind);

/**
 * One service's report from its records (newest first) and the rate documents they moved. Pure: the command reads,
 * this decides what is shown.
 */
export function serviceInsights(
  service: string,
  records: readonly EffectivenessRecord[],
  rates: readonly RateDoc[],
): ServiceInsights {
  const newestFirst = [...records].sort((a, b) => b.at - a.at);
  return {
    service,
    records: records.length,
    insights: insightsOf(service, records),
    remedies: remedyRows(records),
    models: modelRows(records, rates),
    recent: newestFirst.slice(0, RECENT).map(({ incidentId, outcome, summary, at }) => ({
      incidentId,
      outcome,
      summary,
      at,
    })),
  };
}

/** Per remedy (strategy and kind): how often it resolved the incident, and how long a fix took to be verified. */
export function remedyRows(records: readonly EffectivenessRecord[]): RemedyRow[] {
  const groups = new Map<string, EffectivenessRecord[]>();
  for (const r of records) {
    const key = `${r.strategy}\u0000${r.remedyKind}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((rs) => {
      const successes = rs.filter((r) => r.outcome === 'resolved').length;
      return {
        strategy: rs[0]!.strategy,
        remedyKind: rs[0]!.remedyKind,
        attempts: rs.length,
        successes,
        improved: rs.filter((r) => r.outcome === 'improved').length,
        successRate: successes / rs.length,
        medianDetectionToVerifiedMs: median(
          rs.map((r) => r.detectionToVerifiedMs).filter((t): t is number => t !== null),
        ),
      };
    })
    .sort((a, b) => b.attempts - a.attempts || a.strategy.localeCompare(b.strategy));
}

/**
 * The success models the records moved, each with the posterior diagnosis ranks by (rateFor). A level's signature
 * chain (its more general keys) is taken from a record that names it: learning.track counted that record at every
 * key of the chain, so this is the posterior the ranking computes for a fault whose most specific key is the level.
 */
export function modelRows(records: readonly EffectivenessRecord[], rates: readonly RateDoc[]): ModelRow[] {
  const counts = new Map<string, StrategyRecord>(
    rates.map((d) => [d._id, { attempts: d.attempts, successes: d.successes }]),
  );
  const chains = new Map<string, string[]>();
  for (const r of records)
    r.signatureKeys.forEach((k, i) => {
      const id = rateKey(r.remedyKind as RemedyKind, k);
      if (!chains.has(id)) chains.set(id, r.signatureKeys.slice(0, i + 1));
    });
  return rates
    .map((d) => {
      const posterior = isRanked(d.kind)
        ? rateFor(d.kind, d.key === null ? [] : (chains.get(d._id) ?? [d.key]), counts)
        : null;
      return {
        kind: d.kind,
        level: d.key ?? '*',
        attempts: d.attempts,
        successes: d.successes,
        mean: posterior?.mean ?? null,
        lower95: posterior?.lower95 ?? null,
      };
    })
    .sort(
      (a, b) =>
        a.kind.localeCompare(b.kind) ||
        (a.level === '*'
          ? -1
          : b.level === '*'
            ? 1
            : a.level.length - b.level.length || a.level.localeCompare(b.level)),
    );
}

/** One service's report for people. */
export function formatServiceInsights(s: ServiceInsights): string {
  const out = [`service ${s.service}: ${s.records} effectiveness record(s)`, '', '  insights:'];
  if (s.insights.length === 0) out.push('    (none)');
  for (const i of s.insights)
    out.push(`    - ${i.summary}  (${i.kind}, confidence ${i.confidence.toFixed(2)})`);
  out.push('', '  remedies:');
  out.push(
    ...table(
      s.remedies.map((r) => ({
        strategy: r.strategy,
        kind: r.remedyKind,
        attempts: r.attempts,
        resolved: r.successes,
        improved: r.improved,
        'success %': percent(r.successRate),
        'median to verified':
          r.medianDetectionToVerifiedMs === null ? '-' : duration(r.medianDetectionToVerifiedMs),
      })),
      ['strategy', 'kind', 'attempts', 'resolved', 'improved', 'success %', 'median to verified'],
    ),
  );
  out.push('', '  remedy success models (posterior diagnosis ranks by):');
  out.push(
    ...table(
      s.models.map((m) => ({
        kind: m.kind,
        level: m.level,
        attempts: m.attempts,
        successes: m.successes,
        mean: m.mean === null ? '-' : m.mean.toFixed(2),
        'lower 95 %': m.lower95 === null ? '-' : m.lower95.toFixed(2),
      })),
      ['kind', 'level', 'attempts', 'successes', 'mean', 'lower 95 %'],
    ),
  );
  out.push('', `  last ${Math.min(RECENT, s.recent.length)} incident(s):`);
  out.push(
    ...table(
      s.recent.map((r) => ({
        incident: r.incidentId,
        judged: formatTime(r.at),
        outcome: r.outcome.replace('_', ' '),
        summary: r.summary,
      })),
      ['incident', 'judged', 'outcome', 'summary'],
    ),
  );
  return `${out.join('\n')}\n`;
}

/** Columns padded to their widest cell, indented under their section; the last column is never cut. */
function table(rows: ReadonlyArray<Record<string, string | number>>, columns: string[]): string[] {
  if (rows.length === 0) return ['    (none)'];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) =>
    `    ${cells.map((v, i) => (i === cells.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [
    line(columns.map((c) => c.toUpperCase())),
    ...rows.map((r) => line(columns.map((c) => String(r[c])))),
  ];
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

const duration = (ms: number) =>
  ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;
