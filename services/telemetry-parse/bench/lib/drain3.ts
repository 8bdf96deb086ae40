import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface Drain3SystemResult {
  seconds: number[];
  lines: number;
  templates?: string[];
}

export interface Drain3Result {
  version: string;
  systems: Record<string, Drain3SystemResult>;
}

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'drain3_peer.py');

/**
 * Runs Drain3 (bench/drain3_peer.py, `pip install drain3`) on the given messages in a child python3 process.
 * Rejects with the peer's stderr when python3 or drain3 is missing.
 */
export function runDrain3(
  systems: Record<string, string[]>,
  opts: { repeat: number; mode: 'accuracy' | 'speed'; python?: string },
): Promise<Drain3Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.python ?? 'python3', [PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
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
    child.stdin.end(JSON.stringify({ systems, repeat: opts.repeat, mode: opts.mode }));
  });
}
