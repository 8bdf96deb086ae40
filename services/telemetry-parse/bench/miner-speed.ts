/**
 * Lines per second of the template miner alone (no header parsing, no I/O) on one core, against Drain3 on the
 * same messages in the same run.
 *
 *   npx tsx --conditions=development services/telemetry-parse/bench/miner-speed.ts --data <loghub dir> [--lines 200000] [--runs 5]
 *
 * Messages: the header-stripped messages of every loghub 2k system, concatenated and repeated until `--lines`.
 * Each run feeds all messages to a fresh miner; the figure is the median of `--runs` runs (one warm-up run
 * first, so the JIT has compiled the hot paths, as it would in a long-running consumer). Drain3 gets the same
 * messages with its default configuration plus standard masking (bench/drain3_peer.py).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseTextHeader } from '../src/header/index.js';
import { TemplateMiner, type MinerOptions } from '../src/mining/index.js';
import { findSystems, loadSystem } from './lib/loghub-data.js';
import { median } from './lib/metrics.js';
import { runDrain3 } from './lib/drain3.js';

export interface MinerSpeedOptions {
  /** Directory with `<S>/<S>_2k.log` files. */
  data: string;
  /** Corpus size after repetition. Default 200_000. */
  lines?: number;
  /** Timed runs (median reported). Default 5. */
  runs?: number;
  /** Also run Drain3 for the ratio. Default true. */
  drain3?: boolean;
  minerOptions?: MinerOptions;
}

export interface MinerSpeedResult {
  lines: number;
  runs: number;
  linesPerSecond: number;
  runLinesPerSecond: number[];
  templates: number;
  drain3: { linesPerSecond: number; runLinesPerSecond: number[]; version: string } | null;
  /** Our median lines/s over Drain3's median lines/s. */
  speedRatio: number | null;
}

export function loadMessages(data: string, lines: number): string[] {
  const base: string[] = [];
  for (const name of findSystems(data)) {
    for (const line of loadSystem(data, name).lines) base.push(parseTextHeader(line).message);
  }
  if (base.length === 0) throw new Error(`no loghub systems under ${data}`);
  const out: string[] = [];
  while (out.length < lines) out.push(base[out.length % base.length]!);
  return out;
}

function timeOnce(
  messages: readonly string[],
  options: MinerOptions | undefined,
): { seconds: number; templates: number } {
  const miner = new TemplateMiner(options);
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) miner.add(messages[i]!);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, templates: miner.stats().templates };
}

export async function measureMinerSpeed(opts: MinerSpeedOptions): Promise<MinerSpeedResult> {
  const lines = opts.lines ?? 200_000;
  const runs = opts.runs ?? 5;
  const messages = loadMessages(opts.data, lines);
  timeOnce(messages, opts.minerOptions); // warm-up
  const rates: number[] = [];
  let templates = 0;
  for (let r = 0; r < runs; r++) {
    const t = timeOnce(messages, opts.minerOptions);
    rates.push(messages.length / t.seconds);
    templates = t.templates;
  }
  const ours = median(rates);
  let drain3: MinerSpeedResult['drain3'] = null;
  if (opts.drain3 ?? true) {
    const peer = await runDrain3({ corpus: messages }, { repeat: runs, mode: 'speed' });
    const p = peer.systems['corpus']!;
    const theirRates = p.seconds.map((s) => p.lines / s);
    drain3 = {
      linesPerSecond: Math.round(median(theirRates)),
      runLinesPerSecond: theirRates.map(Math.round),
      version: peer.version,
    };
  }
  return {
    lines: messages.length,
    runs,
    linesPerSecond: Math.round(ours),
    runLinesPerSecond: rates.map(Math.round),
    templates,
    drain3,
    speedRatio: drain3 === null ? null : Math.round((ours / drain3.linesPerSecond) * 100) / 100,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      data: { type: 'string', default: '../shared/datasets/loghub' },
      lines: { type: 'string', default: '200000' },
      runs: { type: 'string', default: '5' },
      'no-drain3': { type: 'boolean', default: false },
    },
  });
  measureMinerSpeed({
    data: values.data,
    lines: Number(values.lines),
    runs: Number(values.runs),
    drain3: !values['no-drain3'],
  })
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
