/**
 * Loghub 2k benchmark of header extraction + template mining, with Drain3 side by side on the same lines.
 *
 *   npm run bench:loghub -- [--data ../shared/datasets/loghub] [--formats <file.json>] [--header infer|rules]
 *                           [--sample 200] [--runs 5] [--warmup-lines 250000] [--json] [--no-drain3]
 *
 * For every `<S>/<S>_2k.log` with `<S>_2k.log_structured_corrected.csv` beside it: raw lines -> header
 * (bench/lib/headers.ts) -> TemplateMiner.add (one configuration for all systems) -> each line's FINAL template
 * (after all lines, as Drain and the Loghub benchmark report them) -> GA, PA, FGA, FTA as Loghub-2.0 defines
 * them (lib/metrics.ts).
 * Header: `--formats` declares one format per system (Drain notation, a named-group regex, or `preset:<name>`;
 * ../shared/datasets/loghub/formats.json holds the development systems' formats as logparser declares them);
 * without it the header is inferred from the first `--sample` lines of each system, the inference's one
 * parameter chosen leave-one-system-out (`stabilityLOSO` in the output); `--header rules` uses the former
 * fixed rules instead. headerAgreement = share of lines whose message equals the ground-truth Content;
 * timeShare / levelShare = share of lines whose header gave a time (epoch ms) / a level.
 * Speed: `--runs` rounds after untimed warm-up passes over all systems until `--warmup-lines` lines were
 * parsed (V8 reaches its optimised code after a few hundred thousand lines; one pass of 16,000 left the first
 * rounds at a third of the steady rate, and the figures are for a warm long-running consumer); each round
 * times our header + mining per system, then runs Drain3 once per configuration (`default`: as Drain3
 * ships; `masked`: with the masking of its example config) on the same messages, so the two sides
 * alternate. speedRatio.<config> is the median over rounds of (our mining lines/s) / (Drain3's lines/s) over
 * all systems; cpuSpeedRatio the same from CPU seconds (less disturbed by other work on a shared machine).
 * Drain3 missing: reported, not fatal.
 */
import { parseArgs } from 'node:util';
import { TemplateMiner } from '../src/mining/index.js';
import { findSystems, loadSystem, type LoghubSystem } from './lib/loghub-data.js';
import { evaluate, median, type Accuracy } from './lib/metrics.js';
import {
  DRAIN3_CONFIGS,
  drain3Missing,
  runDrain3,
  type Drain3Config,
  type Drain3Result,
} from './lib/drain3.js';
import {
  chooseStability,
  extractorFor,
  headerAgreement,
  readFormats,
  type HeaderExtractor,
  type HeaderMode,
} from './lib/headers.js';
import { PUBLISHED_DRAIN } from './lib/published.js';

interface SystemReport {
  GA: number;
  PA: number;
  FGA: number;
  FTA: number;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  minerLinesPerSecond: number;
  headerAgreement: number;
  timeShare: number;
  levelShare: number;
  format: string;
  templates: number;
  groundTruthTemplates: number;
  drainPublishedGA?: number;
}

interface OneRun {
  messages: string[];
  predicted: string[];
  timeShare: number;
  levelShare: number;
  format: string;
  /** Header extraction + mining. */
  seconds: number;
  /** Mining alone: what Drain3 is timed on (it gets the extracted messages). */
  minerSeconds: number;
  /** CPU seconds of mining alone (process.cpuUsage): less disturbed by other work on the machine. */
  minerCpuSeconds: number;
}

/** Header extraction + mining over one system's raw lines, timed. */
export function parseSystem(sys: LoghubSystem, extract: HeaderExtractor): OneRun {
  const t0 = process.hrtime.bigint();
  const headers = extract(sys.lines);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const miner = new TemplateMiner();
  const ids: string[] = new Array<string>(sys.lines.length);
  for (let i = 0; i < headers.messages.length; i++) ids[i] = miner.add(headers.messages[i]!).templateId;
  const t2 = process.hrtime.bigint();
  const used = process.cpuUsage(cpu);
  const byId = new Map(miner.templates().map((t) => [t.templateId, t.template]));
  const predicted = ids.map((id) => {
    const current = miner.resolveId(id);
    return current === null ? '' : (byId.get(current) ?? '');
  });
  let times = 0;
  let levels = 0;
  for (const r of headers.records) {
    if (r?.epochMs !== null && r?.epochMs !== undefined) times++;
    if (r?.level !== null && r?.level !== undefined) levels++;
  }
  return {
    messages: headers.messages,
    predicted,
    timeShare: times / Math.max(1, sys.lines.length),
    levelShare: levels / Math.max(1, sys.lines.length),
    format: headers.format,
    seconds: Number(t2 - t0) / 1e9,
    minerSeconds: Number(t2 - t1) / 1e9,
    minerCpuSeconds: (used.user + used.system) / 1e6,
  };
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function averageOf<K extends string>(
  rows: ReadonlyArray<Record<K, number>>,
  keys: readonly K[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = round(rows.reduce((a, r) => a + r[k], 0) / Math.max(rows.length, 1));
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      data: { type: 'string', default: '../shared/datasets/loghub' },
      formats: { type: 'string' },
      header: { type: 'string', default: 'infer' },
      sample: { type: 'string', default: '200' },
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
      'warmup-lines': { type: 'string', default: '250000' },
      'no-drain3': { type: 'boolean', default: false },
    },
  });
  const dir = values.data;
  const runs = Math.max(1, Number(values.runs));
  const sample = Math.max(1, Number(values.sample));
  const names = findSystems(dir);
  if (names.length === 0) throw new Error(`no <S>/<S>_2k.log with ground truth under ${dir}`);
  const loaded = names.map((name) => loadSystem(dir, name));

  const result: Record<string, unknown> = {};
  let mode: HeaderMode;
  if (values.formats !== undefined) {
    mode = { kind: 'declared', formats: readFormats(values.formats) };
    result['header'] = { mode: 'declared', formats: values.formats };
  } else if (values.header === 'rules') {
    mode = { kind: 'rules' };
    result['header'] = { mode: 'rules' };
  } else if (values.header === 'infer') {
    const choice = chooseStability(loaded, sample);
    mode = { kind: 'inferred', sample, stability: choice.chosen };
    result['header'] = {
      mode: 'inferred',
      sample,
      stabilityLOSO: choice.chosen,
      agreementByStability: choice.table,
    };
  } else throw new Error(`--header must be infer or rules, not ${values.header}`);
  const extractors = new Map(loaded.map((sys) => [sys.name, extractorFor(sys.name, mode)]));

  // Untimed passes over every system first: the figures are for a warmed-up process (a long-running
  // consumer), not for V8 compiling the parser.
  const warmupLines = Math.max(1, Number(values['warmup-lines']));
  for (let parsed = 0; parsed < warmupLines;) {
    for (const sys of loaded) {
      parseSystem(sys, extractors.get(sys.name)!);
      parsed += sys.lines.length;
    }
  }

  const missing = values['no-drain3'] ? 'not asked (--no-drain3)' : drain3Missing();
  const first = new Map<string, OneRun>();
  const secs = new Map<string, number[]>(names.map((n) => [n, []]));
  const minerSecs = new Map<string, number[]>(names.map((n) => [n, []]));
  const minerCpuSecs = new Map<string, number[]>(names.map((n) => [n, []]));
  const peerRuns: Drain3Result[] = [];
  for (let r = 0; r < runs; r++) {
    for (const sys of loaded) {
      const run = parseSystem(sys, extractors.get(sys.name)!);
      if (!first.has(sys.name)) first.set(sys.name, run);
      secs.get(sys.name)!.push(run.seconds);
      minerSecs.get(sys.name)!.push(run.minerSeconds);
      minerCpuSecs.get(sys.name)!.push(run.minerCpuSeconds);
    }
    if (missing === null) {
      const messages = Object.fromEntries(names.map((n) => [n, first.get(n)!.messages]));
      // Alternate which configuration goes first, so neither always runs on a machine warmed by the other.
      const configs = r % 2 === 0 ? DRAIN3_CONFIGS : [...DRAIN3_CONFIGS].reverse();
      peerRuns.push(await runDrain3(messages, { configs, mode: r === 0 ? 'accuracy' : 'speed' }));
    }
  }

  const systems: Record<string, SystemReport> = {};
  for (const sys of loaded) {
    const run = first.get(sys.name)!;
    const acc: Accuracy = evaluate(sys.templates, run.predicted);
    const seconds = median(secs.get(sys.name)!);
    systems[sys.name] = {
      GA: round(acc.GA),
      PA: round(acc.PA),
      FGA: round(acc.FGA),
      FTA: round(acc.FTA),
      lines: sys.lines.length,
      seconds: round(seconds, 5),
      linesPerSecond: Math.round(sys.lines.length / seconds),
      minerLinesPerSecond: Math.round(sys.lines.length / median(minerSecs.get(sys.name)!)),
      headerAgreement: round(headerAgreement(sys, run.messages)),
      timeShare: round(run.timeShare),
      levelShare: round(run.levelShare),
      format: run.format,
      templates: acc.predictedTemplates,
      groundTruthTemplates: acc.groundTruthTemplates,
      ...(PUBLISHED_DRAIN[sys.name] ? { drainPublishedGA: PUBLISHED_DRAIN[sys.name]!.GA } : {}),
    };
  }
  result['systems'] = systems;
  result['average'] = averageOf(Object.values(systems), ['GA', 'PA', 'FGA', 'FTA', 'headerAgreement']);
  result['belowPublishedDrainGA'] = Object.entries(systems)
    .filter(([, s]) => s.drainPublishedGA !== undefined && s.GA < s.drainPublishedGA)
    .map(([n]) => n);

  if (missing !== null) result['drain3'] = { missing };
  else {
    const drain3: Record<string, unknown> = { version: peerRuns[0]!.version };
    const speedRatio: Record<string, number> = {};
    const cpuSpeedRatio: Record<string, number> = {};
    for (const config of DRAIN3_CONFIGS) {
      const rows: Record<string, unknown> = {};
      const accRows: Array<{ GA: number; PA: number; FGA: number; FTA: number }> = [];
      for (const sys of loaded) {
        const p = peerRuns[0]!.configs[config][sys.name]!;
        const acc = evaluate(sys.templates, p.templates ?? []);
        const row = { GA: round(acc.GA), PA: round(acc.PA), FGA: round(acc.FGA), FTA: round(acc.FTA) };
        accRows.push(row);
        const rates = peerRuns.map(
          (pr) => pr.configs[config][sys.name]!.lines / pr.configs[config][sys.name]!.seconds,
        );
        rows[sys.name] = { ...row, linesPerSecond: Math.round(median(rates)), clusters: p.clusters };
      }
      rows['average'] = averageOf(accRows, ['GA', 'PA', 'FGA', 'FTA']);
      drain3[config] = rows;
      speedRatio[config] = round(ratioOverRounds(config, false), 2);
      cpuSpeedRatio[config] = round(ratioOverRounds(config, true), 2);
    }
    result['drain3'] = drain3;
    result['speedRatio'] = speedRatio;
    result['cpuSpeedRatio'] = cpuSpeedRatio;
  }

  function ratioOverRounds(config: Drain3Config, cpu: boolean): number {
    const ratios: number[] = [];
    for (let r = 0; r < peerRuns.length; r++) {
      let ourSecs = 0;
      let theirSecs = 0;
      for (const n of names) {
        ourSecs += (cpu ? minerCpuSecs : minerSecs).get(n)![r]!;
        const p = peerRuns[r]!.configs[config][n]!;
        theirSecs += cpu ? p.cpuSeconds : p.seconds;
      }
      ratios.push(theirSecs / ourSecs);
    }
    return median(ratios);
  }

  if (values.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  printTable(result, names);
}

function printTable(result: Record<string, unknown>, names: readonly string[]): void {
  const systems = result['systems'] as Record<string, SystemReport>;
  const d3 = (result['drain3'] ?? {}) as Record<string, Record<string, Record<string, number>>>;
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (x: unknown): string => (typeof x === 'number' ? x.toFixed(3) : '-').padStart(7);
  console.log(
    pad('system', 11) +
      '   GA      PA      FGA     FTA   header   time  level  miner l/s | D3 GA  D3 PA  D3m GA D3m PA  Drain(pub) GA',
  );
  for (const name of names) {
    const s = systems[name]!;
    console.log(
      pad(name, 11) +
        num(s.GA) +
        num(s.PA) +
        num(s.FGA) +
        num(s.FTA) +
        num(s.headerAgreement) +
        num(s.timeShare) +
        num(s.levelShare) +
        String(s.minerLinesPerSecond).padStart(10) +
        ' |' +
        num(d3['default']?.[name]?.['GA']) +
        num(d3['default']?.[name]?.['PA']) +
        num(d3['masked']?.[name]?.['GA']) +
        num(d3['masked']?.[name]?.['PA']) +
        num(s.drainPublishedGA),
    );
  }
  const a = result['average'] as Record<string, number>;
  console.log(
    pad('average', 11) +
      num(a['GA']) +
      num(a['PA']) +
      num(a['FGA']) +
      num(a['FTA']) +
      num(a['headerAgreement']) +
      ' '.repeat(24) +
      ' |' +
      num(d3['default']?.['average']?.['GA']) +
      num(d3['default']?.['average']?.['PA']) +
      num(d3['masked']?.['average']?.['GA']) +
      num(d3['masked']?.['average']?.['PA']),
  );
  for (const name of names) console.log(`  ${pad(name, 10)} header: ${systems[name]!.format}`);
  const header = result['header'] as Record<string, unknown>;
  if (header['stabilityLOSO'])
    console.log(`stability chosen leave-one-system-out: ${JSON.stringify(header['stabilityLOSO'])}`);
  if (result['speedRatio'] !== undefined) {
    console.log(`speed ratio ours / Drain3 (median over rounds): ${JSON.stringify(result['speedRatio'])}`);
    console.log(`the same from CPU seconds: ${JSON.stringify(result['cpuSpeedRatio'])}`);
  } else console.log(`Drain3: ${String((result['drain3'] as { missing?: string }).missing)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
