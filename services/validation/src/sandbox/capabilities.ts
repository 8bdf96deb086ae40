import { execFile } from 'node:child_process';
import { access, constants, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sweepStaleCgroups } from './cgroup.js';
import type { SandboxEnforcement } from './types.js';

const run = promisify(execFile);

/** The unprivileged account untrusted code runs as. `nobody` exists everywhere and owns nothing of the platform. */
export const SANDBOX_USER = 'nobody';

/** Absolute paths of the programs the sandbox is built from; null when the machine lacks one. */
export interface Tools {
  sh: string | null;
  setpriv: string | null;
  unshare: string | null;
  prlimit: string | null;
  ip: string | null;
  mount: string | null;
  mkdir: string | null;
  du: string | null;
  nice: string | null;
}

/** What this machine lets the sandbox do, found by trying each piece once. */
export interface Machine {
  tools: Tools;
  /** Own pid and mount namespaces (needs root and unshare). */
  pidNamespace: boolean;
  /** Own network namespace with loopback up. */
  netNamespace: boolean;
  user: { name: string; uid: number; gid: number } | null;
  /** Folders of the cgroup v1 hierarchies the platform runs in, where each run gets a child; null when not writable. */
  memoryCgroup: string | null;
  memswAccounting: boolean;
  pidsCgroup: string | null;
}

const toolDirs = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/local/sbin'];

async function findTool(name: string): Promise<string | null> {
  for (const dir of toolDirs) {
    const path = join(dir, name);
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return null;
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  try {
    await run(file, args, { timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    return true;
  } catch {
    return false;
  }
}

/** `/sys/fs/cgroup/<controller>/<our own group>` when this process may create a group with limits there. */
async function writableCgroup(controller: 'memory' | 'pids', limitFile: string): Promise<string | null> {
  try {
    const own = (await readFile('/proc/self/cgroup', 'utf8'))
      .split('\n')
      .map((line) => line.split(':'))
      .find((parts) => parts.length >= 3 && parts[1]!.split(',').includes(controller));
    if (!own) return null;
    const parent = join('/sys/fs/cgroup', controller, own.slice(2).join(':'));
    const probe = join(parent, `sandbox-probe-${process.pid}`);
    await mkdir(probe);
    try {
      await writeFile(join(probe, limitFile), controller === 'memory' ? String(64 << 20) : '16');
    } finally {
      await rmdir(probe);
    }
    return parent;
  } catch {
    return null;
  }
}

async function probe(): Promise<Machine> {
  const names = ['sh', 'setpriv', 'unshare', 'prlimit', 'ip', 'mount', 'mkdir', 'du', 'nice'] as const;
  const found = await Promise.all(names.map(findTool));
  const tools = Object.fromEntries(names.map((n, i) => [n, found[i]])) as unknown as Tools;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot)
    return {
      tools,
      pidNamespace: false,
      netNamespace: false,
      user: null,
      memoryCgroup: null,
      memswAccounting: false,
      pidsCgroup: null,
    };

  const { unshare, setpriv, ip, mount } = tools;
  const pidNamespace =
    !!unshare &&
    !!mount &&
    (await succeeds(unshare, ['--pid', '--fork', '--kill-child', '--mount-proc', '--', 'true']));
  const netNamespace =
    pidNamespace &&
    !!ip &&
    (await succeeds(unshare, ['--net', '--pid', '--fork', '--', ip, 'link', 'set', 'lo', 'up']));

  let user: Machine['user'] = null;
  if (setpriv) {
    try {
      const uid = Number((await run('id', ['-u', SANDBOX_USER])).stdout.trim());
      const gid = Number((await run('id', ['-g', SANDBOX_USER])).stdout.trim());
      const dropWorks = await succeeds(setpriv, [
        `--reuid=${uid}`,
        `--regid=${gid}`,
        '--clear-groups',
        '--no-new-privs',
        '--',
        'true',
      ]);
      if (uid > 0 && gid > 0 && dropWorks) user = { name: SANDBOX_USER, uid, gid };
    } catch {
      user = null;
    }
  }

  const memoryCgroup = await writableCgroup('memory', 'memory.limit_in_bytes');
  const memswAccounting =
    !!memoryCgroup &&
    (await access(join(memoryCgroup, 'memory.memsw.limit_in_bytes')).then(
      () => true,
      () => false,
    ));
  const pidsCgroup = await writableCgroup('pids', 'pids.max');
  return { tools, pidNamespace, netNamespace, user, memoryCgroup, memswAccounting, pidsCgroup };
}

let probed: Promise<Machine> | undefined;

/** Probed once per process: the machine does not change under a running service. */
export function machine(): Promise<Machine> {
  probed ??= probe().then(async (m) => {
    await sweepStaleCgroups(m);
    return m;
  });
  return probed;
}

/** What a run asking for everything gets on this machine. */
export function enforcementOf(m: Machine, wantsIsolatedNetwork: boolean): SandboxEnforcement {
  const user = m.user?.name ?? null;
  return {
    network: wantsIsolatedNetwork && m.netNamespace,
    pidNamespace: m.pidNamespace,
    user,
    memory: m.memoryCgroup ? 'cgroup' : m.tools.prlimit ? 'rlimit' : 'none',
    // RLIMIT_NPROC counts the processes of the user, so it only bounds a run that runs as its own user.
    processes: m.pidsCgroup ? 'cgroup' : m.tools.prlimit && user ? 'rlimit' : 'none',
    disk: 'watchdog',
  };
}

export async function sandboxCapabilities(): Promise<SandboxEnforcement> {
  return enforcementOf(await machine(), true);
}
