import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Drain3 as it ships (`default`) and with the masking of Drain3's example configuration (`masked`). */
export type Drain3Config = 'default' | 'masked';
export const DRAIN3_CONFIGS: readonly Drain3Config[] = ['default', 'masked'];

export interface Drain3SystemResult {
  seconds: number;
  /** CPU seconds of the loop (Python's process_time): what a shared, loaded machine disturbs least. */
  cpuSeconds: number;
  lines: number;
  clusters: number;
  templates?: string[];
}

export interface Drain3Result {
  version: string;
  configs: Record<Drain3Config, Record<string, Drain3SystemResult>>;
}

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'drain3_peer.py');

/**
 * Why Drain3 cannot run here (no python3, or no `drain3` module: `pip install drain3`), or null when it can.
 * Benchmarks report this instead of a ratio rather than failing.
 */
export function drain3Missing(python = 'python3'): string | null {
  const r = spawnSync(python, ['-c', 'import drain3'], { encoding: 'utf8' });
  if (r.error) return `${python} not found (${r.error.message})`;
  if (r.status !== 0)
    return `python module drain3 missing: pip install -r services/telemetry-parse/bench/requirements.txt (${r.stderr.trim().split('\n').pop() ?? ''})`;
  return null;
}

/**
 * One run of Drain3 (bench/drain3_peer.py) per configuration on the given messages, in a child python3
 * process; callers alternate these calls with their own runs. Rejects with the peer's stderr on failure.
 */
export function runDrain3(
  systems: Record<string, string[]>,
  opts: { configs?: readonly Drain3Config[]; mode: 'accuracy' | 'speed'; python?: string },
): Promise<Drain3Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.python ?? 'python3', [PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    // A peer that exits early (no drain3 module) closes its stdin: the write fails with EPIPE, and the exit
    // code and stderr below say why; without this handler the EPIPE would crash the benchmark.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new Error(
            `drain3 peer exited with ${String(code)}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as Drain3Result);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.stdin.end(JSON.stringify({ systems, configs: opts.configs ?? DRAIN3_CONFIGS, mode: opts.mode }));
  });
}
