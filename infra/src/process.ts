// Process plumbing: run a build step, spawn a detached server, tell whether a pid is still ours, stop it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { CommandLine } from './config.js';

export class CommandFailedError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** Runs a command to completion, keeping the tail of its output for the error message. */
export async function run(cmd: CommandLine, opts: { cwd?: string; logFile?: string } = {}): Promise<void> {
  const logFd = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd.command, cmd.args, {
        cwd: opts.cwd,
        env: { ...process.env, ...cmd.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const keep = (chunk: Buffer) => {
        if (logFd !== undefined) {
          try {
            writeSync(logFd, chunk);
          } catch {
            // The log is a convenience; losing a line must not fail the build.
          }
        }
        tail = (tail + chunk.toString('utf8')).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', (e) =>
        reject(
          new CommandFailedError(
            (e as NodeJS.ErrnoException).code === 'ENOENT'
              ? `'${cmd.command}' is not installed or not on PATH`
              : `${cmd.command}: ${e.message}`,
            '',
          ),
        ),
      );
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else {
          const how = signal ? `signal ${signal}` : `exit code ${code}`;
          reject(new CommandFailedError(`${cmd.command} ${cmd.args.join(' ')} failed (${how})`, tail));
        }
      });
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** Runs a command to completion and returns its stdout (stderr goes to the error message on failure only). */
export async function runOutput(cmd: CommandLine, opts: { cwd?: string } = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      cwd: opts.cwd,
      env: { ...process.env, ...cmd.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
    child.on('error', (e) => reject(new CommandFailedError(`${cmd.command}: ${e.message}`, '')));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        // Only the subcommand in the message: arguments may carry secrets (passwords).
        reject(new CommandFailedError(`${cmd.command} ${cmd.args[0] ?? ''} ... failed (${how})`, err));
      }
    });
  });
}

/**
 * Starts a server that outlives this process: own process group, stdout/stderr appended to the log file,
 * not holding this process's event loop open.
 */
export function spawnDetached(cmd: CommandLine, logFile: string, cwd?: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd.command, cmd.args, {
      cwd,
      env: { ...process.env, ...cmd.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    return child;
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
}

/** True when the pid exists, is not a zombie and, where /proc exists, carries the marker on its command line. */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    // No /proc (macOS): the pid is alive, and that is all we can know.
    return process.platform !== 'linux';
  }
  if (await isZombie(pid)) return false;
  return cmdline.includes(marker);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isZombie(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Format: pid (comm) state ...; comm may contain spaces and parentheses, so look after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM, wait up to graceMs for the process to go, then SIGKILL. Signals the process group first: our servers
 * are group leaders (spawned detached), so anything they forked goes too.
 */
export async function stopProcess(
  pid: number,
  opts: { graceMs?: number; child?: ChildProcess } = {},
): Promise<'terminated' | 'killed' | 'not-running'> {
  const graceMs = opts.graceMs ?? 20_000;
  if (!isAlive(pid) || (await isZombie(pid))) return 'not-running';
  const exited = opts.child ? childExit(opts.child) : undefined;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (await gone(pid, exited)) return 'terminated';
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline) {
    if (await gone(pid, exited)) return 'killed';
    await sleep(50);
  }
  throw new Error(`process ${pid} survived SIGKILL`);
}

function childExit(child: ChildProcess): { done: boolean } {
  const flag = { done: child.exitCode !== null || child.signalCode !== null };
  child.once('exit', () => {
    flag.done = true;
  });
  return flag;
}

async function gone(pid: number, exited: { done: boolean } | undefined): Promise<boolean> {
  // Our own child stays a zombie until Node reaps it, so for it the exit event is the only reliable signal.
  if (exited?.done) return true;
  return !isAlive(pid) || (await isZombie(pid));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
    return;
  } catch {
    // Not a group leader (or already gone): fall back to the process itself.
  }
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Last lines of a log file, for error messages. */
export async function tailFile(path: string, lines = 25, maxBytes = 64 * 1024): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '(no log file)';
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    return lastLines(buf.toString('utf8'), lines);
  } finally {
    await fh.close();
  }
}

export function lastLines(text: string, n: number): string {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all.slice(-n).join('\n');
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Inodes of sockets listening on `port`, from the text of /proc/net/tcp or /proc/net/tcp6. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const local = f[1];
    const st = f[3];
    const inode = f[9];
    if (!local || !inode || st !== '0A') continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (parseInt(hexPort, 16) === port) inodes.push(inode);
  }
  return inodes;
}

/**
 * Whether the process listens on the port itself. A readiness probe alone cannot tell our fresh server from a
 * foreign one that took the port after our free-port check (ours then dies with "address in use" while the
 * probe happily talks to the other). Linux only; elsewhere answers true (unknown).
 */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readFile(p, 'utf8').catch(() => '')),
  );
  const inodes = new Set(tables.flatMap((t) => listeningInodes(t, port)));
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1]!)) return true;
  }
  return false;
}
