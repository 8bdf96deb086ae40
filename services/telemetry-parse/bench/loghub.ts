/**
 * Loghub 2k benchmark of header extraction + template mining, with Drain3 side by side on the same lines.
 *
 *   npm run bench:loghub -- --data /work/shared/datasets/loghub [--json] [--runs 5] [--no-drain3]
 *
 * For every `<S>/<S>_2k.log` with `<S>_2k.log_structured_corrected.csv` beside it: raw lines -> parseTextHeader
 * -> TemplateMiner.add (one configuration for all systems) -> each line's FINAL template (after all lines, as
 * Drain and the Loghub benchmark report them) -> GA, PA, FGA, FTA as Loghub-2.0 defines them (lib/metrics.ts).
 * headerAgreement = share of lines whose extracted message equals the ground-truth Content.
 * Speed: each system is parsed `--runs` times with a fresh miner after one untimed warm-up pass; `seconds` and
 * `linesPerSecond` are header extraction + mining (median run), `minerLinesPerSecond` mining alone. speedRatio
 * is the median over runs of (our mining lines/s) / (Drain3's lines/s) over all systems: both sides mine the
 * same extracted messages (Drain3's masking is part of its add_log_message, ours of add).
 */
import { parseArgs } from 'node:util';
import { parseTextHeader } from '../src/header/index.js';
import { TemplateMiner } from '../src/mining/index.js';
import { findSystems, loadSystem, type LoghubSystem } from './lib/loghub-data.js';
import { evaluate, median, type Accuracy } from './lib/metrics.js';
import { runDrain3 } from './lib/drain3.js';

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
  templates: number;
  groundTruthTemplates: number;
}

interface OneRun {
  messages: string[];
  predicted: string[];
  /** Header extraction + mining. */
  seconds: number;
  /** Mining alone: what Drain3 is timed on (it gets the extracted messages). */
  minerSeconds: number;
}

/** Header extraction + mining over one system's raw lines, timed. */
export function parseSystem(sys: LoghubSystem): OneRun {
  const t0 = process.hrtime.bigint();
  const messages: string[] = new Array<string>(sys.lines.length);
  for (let i = 0; i < sys.lines.length; i++) messages[i] = parseTextHeader(sys.lines[i]!).message;
  const t1 = process.hrtime.bigint();
  const miner = new TemplateMiner();
  const ids: string[] = new Array<string>(sys.lines.length);
  for (let i = 0; i < messages.length; i++) ids[i] = miner.add(messages[i]!).templateId;
  const t2 = process.hrtime.bigint();
  const seconds = Number(t2 - t0) / 1e9;
  const minerSeconds = Number(t2 - t1) / 1e9;
  const byId = new Map(miner.templates().map((t) => [t.templateId, t.template]));
  const predicted = ids.map((id) => {
    const current = miner.resolveId(id);
    return current === null ? '' : (byId.get(current) ?? '');
  });
  return { messages, predicted, seconds, minerSeconds };
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
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
      'no-drain3': { type: 'boolean', default: false },
    },
  });
  const dir = values.data;
  const runs = Math.max(1, Number(values.runs));
  const names = findSystems(dir);
  if (names.length === 0) throw new Error(`no <S>/<S>_2k.log with ground truth under ${dir}`);

  // One untimed pass over every system first: the figures are for a warmed-up process (a long-running
  // consumer), not for V8 compiling the parser.
  const loaded = names.map((name) => loadSystem(dir, name));
  for (const sys of loaded) parseSystem(sys);

  const systems: Record<string, SystemReport> = {};
  const contentsFor: Record<string, string[]> = {};
  const ours: Record<string, number[]> = {};
  const gtFor: Record<string, string[]> = {};
  for (const sys of loaded) {
    const name = sys.name;
    let first: OneRun | null = null;
    const secs: number[] = [];
    const minerSecs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const run = parseSystem(sys);
      if (first === null) first = run;
      secs.push(run.seconds);
      minerSecs.push(run.minerSeconds);
    }
    const run = first!;
    const acc: Accuracy = evaluate(sys.templates, run.predicted);
    let agree = 0;
    for (let i = 0; i < sys.lines.length; i++) if (run.messages[i] === sys.contents[i]) agree++;
    const seconds = median(secs);
    systems[name] = {
      GA: round(acc.GA),
      PA: round(acc.PA),
      FGA: round(acc.FGA),
      FTA: round(acc.FTA),
      lines: sys.lines.length,
      seconds: round(seconds, 5),
      linesPerSecond: Math.round(sys.lines.length / seconds),
      minerLinesPerSecond: Math.round(sys.lines.length / median(minerSecs)),
      headerAgreement: round(agree / sys.lines.length),
      templates: acc.predictedTemplates,
      groundTruthTemplates: acc.groundTruthTemplates,
    };
    contentsFor[name] = run.messages;
    ours[name] = minerSecs;
    gtFor[name] = sys.templates;
  }
  const rows = Object.values(systems);
  const average = averageOf(rows, ['GA', 'PA', 'FGA', 'FTA', 'headerAgreement']);

  const result: Record<string, unknown> = { systems, average };
  if (!values['no-drain3']) {
    const peer = await runDrain3(contentsFor, { repeat: runs, mode: 'accuracy' });
    const drain3: Record<string, unknown> = {};
    const d3rows: Array<{ GA: number; PA: number; FGA: number; FTA: number }> = [];
    for (const name of names) {
      const p = peer.systems[name]!;
      const acc = evaluate(gtFor[name]!, p.templates ?? []);
      const row = { GA: round(acc.GA), PA: round(acc.PA), FGA: round(acc.FGA), FTA: round(acc.FTA) };
      d3rows.push(row);
      drain3[name] = {
        ...row,
        linesPerSecond: Math.round(p.lines / median(p.seconds)),
        templates: acc.predictedTemplates,
      };
    }
    drain3['average'] = averageOf(d3rows, ['GA', 'PA', 'FGA', 'FTA']);
    drain3['version'] = peer.version;
    result['drain3'] = drain3;
    // Per run r: total lines over total seconds across systems, ours / Drain3's; median over runs.
    const ratios: number[] = [];
    for (let r = 0; r < runs; r++) {
      let lines = 0;
      let ourSecs = 0;
      let theirSecs = 0;
      for (const name of names) {
        lines += systems[name]!.lines;
        ourSecs += ours[name]![r]!;
        theirSecs += peer.systems[name]!.seconds[r]!;
      }
      ratios.push(lines / ourSecs / (lines / theirSecs));
    }
    result['speedRatio'] = round(median(ratios), 2);
  }

  if (values.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (x: unknown): string => (typeof x === 'number' ? x.toFixed(3) : '-').padStart(7);
  console.log(
    pad('system', 11) +
      '   GA      PA      FGA     FTA   header  miner l/s | Drain3 GA   PA     FGA    FTA   lines/s',
  );
  const d3 = (result['drain3'] ?? {}) as Record<string, Record<string, number>>;
  for (const name of names) {
    const s = systems[name]!;
    const d = d3[name];
    console.log(
      pad(name, 11) +
        num(s.GA) +
        num(s.PA) +
        num(s.FGA) +
        num(s.FTA) +
        num(s.headerAgreement) +
        String(s.minerLinesPerSecond).padStart(10) +
        ' |' +
        num(d?.['GA']) +
        num(d?.['PA']) +
        num(d?.['FGA']) +
        num(d?.['FTA']) +
        String(d?.['linesPerSecond'] ?? '-').padStart(9),
    );
  }
  const a = average;
  const da = d3['average'];
  console.log(
    pad('average', 11) +
      num(a['GA']) +
      num(a['PA']) +
      num(a['FGA']) +
      num(a['FTA']) +
      num(a['headerAgreement']) +
      ' '.repeat(10) +
      ' |' +
      num(da?.['GA']) +
      num(da?.['PA']) +
      num(da?.['FGA']) +
      num(da?.['FTA']),
  );
  if (result['speedRatio'] !== undefined)
    console.log(`speed ratio (ours / Drain3, median of ${runs} runs): ${String(result['speedRatio'])}x`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
