/**
 * Lines per second of the template miner alone (no header parsing, no I/O) on one core, against Drain3 on the
 * same messages in the same run.
 *
 *   npm run bench:miner-speed -- [--data ../shared/datasets/loghub] [--formats <file.json>] [--app-lines 200000]
 *                                [--runs 5] [--warmup-lines 250000] [--no-drain3] [--processes 3]
 *
 * Two corpora, neither repeated (repeating a small corpus changes how a peer with masking behaves: its
 * clusters grow with every repetition):
 * - `loghub`: the messages of every development system's 2k lines as they are (16,000), header taken off by
 *   the declared formats (`--formats`, default ../shared/datasets/loghub/formats.json) or, without that file,
 *   by header inference;
 * - `app`: the messages of `--app-lines` lines of the sample application's generated traffic (seeded, every
 *   request with its own ids, users and timings).
 * Each round feeds a corpus to a fresh miner (ours), then to Drain3 once per configuration (`default` as it
 * ships, `masked` with its example config's masking), so the sides alternate; untimed warm-up rounds of ours
 * first, until `--warmup-lines` messages (default 250,000) were mined: a long-running consumer is warm, and V8
 * needs a few hundred thousand messages to reach its optimised code (one pass of the 16,000 loghub messages
 * left the first timed rounds at a third of the steady rate). Figures: medians over `--runs` rounds;
 * speedRatio.<config> = median over rounds of our lines/s over Drain3's in that round; cpuSpeedRatio the
 * same from CPU seconds, which a loaded shared machine disturbs less than wall-clock time.
 *
 * Each measurement runs in `--processes` fresh processes, one after the other, and the figures are medians over
 * them (each process's own figures under `processes`): the miner's speed is bimodal per process (on the same
 * corpus, most processes mine the loghub messages at 0.85-1.0 M lines/s and some at 0.5 M, all rounds of a process in
 * the same mode, every function slower alike, as from memory layout), so one process measures the mode it landed in.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateTraffic } from '@self-healing/sample-service';
import { TemplateMiner, type MinerOptions } from '../src/mining/index.js';
import { findSystems, loadSystem } from './lib/loghub-data.js';
import { median } from './lib/metrics.js';
import { DRAIN3_CONFIGS, drain3Missing, runDrain3, type Drain3Config } from './lib/drain3.js';
import { chooseStability, extractorFor, readFormats, type HeaderMode } from './lib/headers.js';

export interface MinerSpeedOptions {
  /** Directory with `<S>/<S>_2k.log` files. */
  data: string;
  /** Declared formats (system -> format); default `<data>/formats.json` when it exists. */
  formats?: string;
  /** Lines of generated sample-application traffic. Default 200_000. */
  appLines?: number;
  /** Timed rounds (median reported). Default 5. */
  runs?: number;
  /** Messages mined untimed before the timed rounds, in whole passes over the corpus. Default 250_000. */
  warmupLines?: number;
  /** Also run Drain3 for the ratio. Default true. */
  drain3?: boolean;
  minerOptions?: MinerOptions;
}

export interface CorpusResult {
  lines: number;
  linesPerSecond: number;
  runLinesPerSecond: number[];
  templates: number;
  drain3: Partial<
    Record<Drain3Config, { linesPerSecond: number; runLinesPerSecond: number[]; clusters: number }>
  >;
  /** Median over rounds of our lines/s over Drain3's, per configuration. */
  speedRatio: Partial<Record<Drain3Config, number>>;
  /**
   * The same from CPU seconds (ours: process.cpuUsage, all threads including the garbage collector's;
   * Drain3: process_time): on a loaded machine wall-clock rates swing with the other work, CPU time less.
   */
  cpuSpeedRatio: Partial<Record<Drain3Config, number>>;
  cpuLinesPerSecond: number;
}

export interface MinerSpeedResult {
  runs: number;
  warmupLines: number;
  corpora: Record<string, CorpusResult>;
  drain3: { version: string } | { missing: string };
  /** With several processes: each one's figures per corpus (the corpora's figures are medians over them). */
  processes?: Array<Record<string, Pick<CorpusResult, 'linesPerSecond' | 'speedRatio' | 'cpuSpeedRatio'>>>;
}

/** Medians over processes of each one's figures (rates, ratios); counts from the first. */
export function acrossProcesses(results: readonly MinerSpeedResult[]): MinerSpeedResult {
  const first = results[0]!;
  const corpora: Record<string, CorpusResult> = {};
  const med = (xs: Array<number | undefined>) => {
    const known = xs.filter((x): x is number => x !== undefined);
    return known.length ? round2(median(known)) : undefined;
  };
  for (const [name, c] of Object.entries(first.corpora)) {
    const all = results.map((r) => r.corpora[name]!);
    const ratios = (key: 'speedRatio' | 'cpuSpeedRatio') =>
      Object.fromEntries(
        DRAIN3_CONFIGS.flatMap((cfg) => {
          const m = med(all.map((x) => x[key][cfg]));
          return m === undefined ? [] : [[cfg, m]];
        }),
      );
    corpora[name] = {
      ...c,
      linesPerSecond: Math.round(median(all.map((x) => x.linesPerSecond))),
      runLinesPerSecond: all.flatMap((x) => x.runLinesPerSecond),
      cpuLinesPerSecond: Math.round(median(all.map((x) => x.cpuLinesPerSecond))),
      speedRatio: ratios('speedRatio'),
      cpuSpeedRatio: ratios('cpuSpeedRatio'),
      drain3: Object.fromEntries(
        DRAIN3_CONFIGS.flatMap((cfg) =>
          c.drain3[cfg]
            ? [
                [
                  cfg,
                  {
                    linesPerSecond: Math.round(median(all.map((x) => x.drain3[cfg]?.linesPerSecond ?? 0))),
                    runLinesPerSecond: all.flatMap((x) => x.drain3[cfg]?.runLinesPerSecond ?? []),
                    clusters: c.drain3[cfg].clusters,
                  },
                ],
              ]
            : [],
        ),
      ),
    };
  }
  return {
    ...first,
    corpora,
    processes: results.map((r) =>
      Object.fromEntries(
        Object.entries(r.corpora).map(([name, c]) => [
          name,
          { linesPerSecond: c.linesPerSecond, speedRatio: c.speedRatio, cpuSpeedRatio: c.cpuSpeedRatio },
        ]),
      ),
    ),
  };
}

/** This bench again in a fresh process, with `--processes 1`: its JSON result. */
function inFreshProcess(args: string[]): Promise<MinerSpeedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1]!, ...args, '--processes', '1'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench process exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as MinerSpeedResult);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** The development systems' messages, each line once, header off as declared (or inferred). */
export function loghubMessages(data: string, formats?: string): string[] {
  const systems = findSystems(data).map((name) => loadSystem(data, name));
  if (systems.length === 0) throw new Error(`no loghub systems under ${data}`);
  const path = formats ?? join(data, 'formats.json');
  const mode: HeaderMode = existsSync(path)
    ? { kind: 'declared', formats: readFormats(path) }
    : { kind: 'inferred', sample: 200, stability: chooseStability(systems, 200).chosen };
  return systems.flatMap((sys) => extractorFor(sys.name, mode)(sys.lines).messages);
}

/** Messages of the sample application's generated traffic (pino JSON lines: the `msg` field). */
export function appMessages(lines: number): string[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const rate = 200;
  const traffic = generateTraffic({
    seed: 7,
    start,
    durationMs: Math.ceil(lines / rate) * 1000,
    ratePerSecond: rate / 6,
    faults: [],
  });
  const out: string[] = [];
  for (const line of traffic.lines) {
    if (out.length >= lines) break;
    const msg = (JSON.parse(line) as { msg?: unknown }).msg;
    if (typeof msg === 'string') out.push(msg);
  }
  return out;
}

function timeOnce(
  messages: readonly string[],
  options: MinerOptions | undefined,
): { seconds: number; cpuSeconds: number; templates: number } {
  const miner = new TemplateMiner(options);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) miner.add(messages[i]!);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, templates: miner.stats().templates };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function measureMinerSpeed(opts: MinerSpeedOptions): Promise<MinerSpeedResult> {
  const runs = opts.runs ?? 5;
  const warmupLines = opts.warmupLines ?? 250_000;
  const corpora: Record<string, string[]> = {
    loghub: loghubMessages(opts.data, opts.formats),
    app: appMessages(opts.appLines ?? 200_000),
  };
  const missing = (opts.drain3 ?? true) ? drain3Missing() : 'not asked';
  let version = '';
  const out: Record<string, CorpusResult> = {};
  for (const [name, messages] of Object.entries(corpora)) {
    for (let mined = 0; mined < Math.max(1, warmupLines); mined += messages.length) {
      timeOnce(messages, opts.minerOptions);
    }
    const ours: number[] = [];
    const oursCpu: number[] = [];
    const theirs: Record<Drain3Config, number[]> = { default: [], masked: [] };
    const theirsCpu: Record<Drain3Config, number[]> = { default: [], masked: [] };
    const clusters: Record<Drain3Config, number> = { default: 0, masked: 0 };
    let templates = 0;
    for (let r = 0; r < runs; r++) {
      const t = timeOnce(messages, opts.minerOptions);
      ours.push(messages.length / t.seconds);
      oursCpu.push(messages.length / t.cpuSeconds);
      templates = t.templates;
      if (missing !== null) continue;
      const configs = r % 2 === 0 ? DRAIN3_CONFIGS : [...DRAIN3_CONFIGS].reverse();
      const peer = await runDrain3({ [name]: messages }, { configs, mode: 'speed' });
      version = peer.version;
      for (const c of DRAIN3_CONFIGS) {
        const p = peer.configs[c][name]!;
        theirs[c].push(p.lines / p.seconds);
        theirsCpu[c].push(p.lines / p.cpuSeconds);
        clusters[c] = p.clusters;
      }
    }
    const result: CorpusResult = {
      lines: messages.length,
      linesPerSecond: Math.round(median(ours)),
      runLinesPerSecond: ours.map(Math.round),
      templates,
      drain3: {},
      speedRatio: {},
      cpuSpeedRatio: {},
      cpuLinesPerSecond: Math.round(median(oursCpu)),
    };
    if (missing === null) {
      for (const c of DRAIN3_CONFIGS) {
        result.drain3[c] = {
          linesPerSecond: Math.round(median(theirs[c])),
          runLinesPerSecond: theirs[c].map(Math.round),
          clusters: clusters[c],
        };
        result.speedRatio[c] = round2(median(ours.map((o, r) => o / theirs[c][r]!)));
        result.cpuSpeedRatio[c] = round2(median(oursCpu.map((o, r) => o / theirsCpu[c][r]!)));
      }
    }
    out[name] = result;
  }
  return { runs, warmupLines, corpora: out, drain3: missing === null ? { version } : { missing } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      data: { type: 'string', default: '../shared/datasets/loghub' },
      formats: { type: 'string' },
      'app-lines': { type: 'string', default: '200000' },
      runs: { type: 'string', default: '5' },
      'warmup-lines': { type: 'string', default: '250000' },
      'no-drain3': { type: 'boolean', default: false },
      processes: { type: 'string', default: '3' },
    },
  });
  const processes = Number(values.processes);
  const own = process.argv
    .slice(2)
    .filter(
      (a, i, all) => a !== '--processes' && all[i - 1] !== '--processes' && !a.startsWith('--processes='),
    );
  const measured = async (): Promise<MinerSpeedResult> => {
    if (processes <= 1)
      return measureMinerSpeed({
        data: values.data,
        ...(values.formats !== undefined ? { formats: values.formats } : {}),
        appLines: Number(values['app-lines']),
        runs: Number(values.runs),
        warmupLines: Number(values['warmup-lines']),
        drain3: !values['no-drain3'],
      });
    const results: MinerSpeedResult[] = [];
    for (let p = 0; p < processes; p++) results.push(await inFreshProcess(own));
    return acrossProcesses(results);
  };
  measured()
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
