import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, killGroup } from '../exec.js';
import { renderHaproxyConfig, type HaproxyLayout } from './config.js';
import { HaproxyRuntime } from './runtime.js';

/** Where Debian's package puts it; HAPROXY_BIN overrides. */
export function haproxyBinary(): string {
  return process.env.HAPROXY_BIN ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy');
}

/** HAProxy's stdout and stderr: its own messages and the access log (REQUEST_LOG_FORMAT), appended across restarts. */
export function haproxyLogFile(dir: string): string {
  return join(dir, 'haproxy.log');
}

/**
 * One HAProxy process per target, in the foreground of its own process group (no systemd here), so its pid is
 * ours to persist and to stop. Started once; every change afterwards goes through the runtime API.
 */
export async function startHaproxy(
  dir: string,
  layout: Omit<HaproxyLayout, 'adminSocket' | 'pidFile'>,
): Promise<{ pid: number; runtime: HaproxyRuntime; adminSocket: string }> {
  const adminSocket = join(dir, 'haproxy.sock');
  const pidFile = join(dir, 'haproxy.pid');
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, renderHaproxyConfig({ ...layout, adminSocket, pidFile }));
  rmSync(adminSocket, { force: true });
  const out = openSync(haproxyLogFile(dir), 'a');
  let pid: number;
  try {
    const child = spawn(haproxyBinary(), ['-db', '-f', cfg], { detached: true, stdio: ['ignore', out, out] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) =>
        reject(
          new Error(
            `cannot start haproxy (${haproxyBinary()}): ${e.message}; install Debian's haproxy package`,
          ),
        ),
      );
    });
    pid = child.pid!;
    child.unref();
  } finally {
    closeSync(out);
  }
  const runtime = new HaproxyRuntime(adminSocket);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await runtime.command('show info');
      break;
    } catch (error) {
      if (!isAlive(pid)) throw new Error(`haproxy exited at start; see ${haproxyLogFile(dir)}`);
      if (Date.now() > deadline)
        throw new Error(`haproxy admin socket did not answer: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { pid, runtime, adminSocket };
}

export async function stopHaproxy(pid: number | null): Promise<void> {
  if (pid === null || !isAlive(pid)) return;
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
}
