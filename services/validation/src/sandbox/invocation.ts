import { constants } from 'node:os';
import { posix } from 'node:path';
import type { Machine } from './capabilities.js';
import type { SandboxLimits } from './types.js';

/**
 * The run's first process: a POSIX shell script, fixed text, whose every variable part (paths, the program and its
 * arguments) arrives as a positional parameter, so nothing the application controls is ever parsed as shell.
 *
 * Arguments: the `mount`, `ip` and `mkdir` programs; then steps done as root in the run's new namespaces (loopback
 * up; folders held open, private tmpfs mounted over shared or unreachable places, the held folders bound back
 * through /proc/self/fd; read-only binds) up to `--`; then steps of the program's own process (join the cgroups,
 * change directory) up to `--`; then the command to exec. Folders are held open by this shell, inside the new mount
 * namespace, because the kernel binds only mounts of the caller's own namespace.
 *
 * With a pid namespace this shell is its init: it stays, waits for the program and exits with its status, and when
 * it exits the kernel kills every process left in the namespace, setsid or not. It reaps orphans while it waits, and
 * it is not the program, so the program keeps ordinary signal handling (an init ignores signals it does not handle).
 */
export const INIT_SCRIPT = `
MOUNT=$1 IP=$2 MKDIR=$3
shift 3
fail() { echo "sandbox: cannot $*" >&2; exit 125; }
while [ "$1" != -- ]; do
  case $1 in
    lo) "$IP" link set lo up || fail "bring loopback up"; shift ;;
    tmpfs) "$MOUNT" -t tmpfs -o "mode=$3,size=$4,nosuid,nodev" sandbox "$2" || fail "mount a tmpfs on $2"; shift 4 ;;
    hold)
      case $2 in
        3) exec 3<"$3" ;; 4) exec 4<"$3" ;; 5) exec 5<"$3" ;; 6) exec 6<"$3" ;;
        7) exec 7<"$3" ;; 8) exec 8<"$3" ;; 9) exec 9<"$3" ;; *) false ;;
      esac || fail "open $3"; shift 3 ;;
    bind) { "$MKDIR" -p "$3" && "$MOUNT" --no-canonicalize --bind "/proc/self/fd/$2" "$3"; } || fail "bind $3"; shift 3 ;;
    ro) { "$MOUNT" --bind "$2" "$2" && "$MOUNT" -o remount,bind,ro "$2"; } || fail "make $2 read-only"; shift 2 ;;
    *) fail "understand step $1" ;;
  esac
done
shift
(
  while [ "$1" != -- ]; do
    case $1 in
      cgroup) echo 0 > "$2" || fail "join cgroup $2"; shift 2 ;;
      cd) cd "$2" || fail "enter $2"; shift 2 ;;
      *) fail "understand step $1" ;;
    esac
  done
  shift
  exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-
  exec "$@"
)
exit $?
`;

/** Exit status of the init script when it could not set the run up (before the program started). */
export const SETUP_FAILED = 125;

/** World-writable places every program finds; each run gets its own empty, size-bounded tmpfs there instead. */
export const SHARED_TEMP_DIRS = ['/tmp', '/var/tmp', '/dev/shm', '/run/lock'];

/** Folders held open by the init script as fds 3 to 9 (a POSIX shell names no higher one). */
const FIRST_FD = 3;
const LAST_FD = 9;

export const TMP_DIR_NAME = '.sandbox-tmp';

export interface InvocationInput {
  argv: string[];
  root: string;
  cwd: string;
  env: Record<string, string> | undefined;
  limits: SandboxLimits;
  network: boolean;
  machine: Pick<Machine, 'tools' | 'pidNamespace' | 'netNamespace' | 'user'>;
  /** cgroup.procs files the program's process writes itself into. */
  cgroupProcs: string[];
  /** Whether a memory cgroup bounds the run (else an RLIMIT_DATA does, when prlimit exists). */
  memoryCgroup: boolean;
  processCgroup: boolean;
  /** Folders the run must see (root, writable and read-only paths), resolved. */
  visible: string[];
  readOnly: string[];
  /** Ancestors of visible folders that the sandbox user may not traverse: covered by an empty tmpfs. */
  unreachable: string[];
  /** Which of SHARED_TEMP_DIRS exist on this machine. */
  sharedTemp: string[];
  nodeBinDir: string;
}

export interface Invocation {
  file: string;
  args: string[];
  env: Record<string, string>;
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * The environment of the run, from nothing: whatever the platform holds in its own (the forge token, the database
 * and broker addresses) is never inherited. The caller's variables win, except NODE_OPTIONS which is extended.
 */
export function sandboxEnv(
  input: Pick<InvocationInput, 'root' | 'env' | 'limits' | 'nodeBinDir'>,
): Record<string, string> {
  const path = [
    ...new Set([
      input.nodeBinDir,
      '/usr/local/bin',
      '/usr/bin',
      '/bin',
      '/usr/local/sbin',
      '/usr/sbin',
      '/sbin',
    ]),
  ];
  // V8 sizes its heap from the machine's memory, not the cgroup's: without this a test runner grows into the
  // kernel's OOM killer instead of failing with a JavaScript heap error that says what happened.
  const heapMb = Math.max(16, Math.floor(input.limits.memoryMb * 0.75));
  const heapOption = `--max-old-space-size=${heapMb}`;
  const callerOptions = input.env?.NODE_OPTIONS;
  return {
    PATH: path.join(':'),
    HOME: input.root,
    TMPDIR: posix.join(input.root, TMP_DIR_NAME),
    LANG: 'C.UTF-8',
    CI: 'true',
    NODE_ENV: 'test',
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...input.env,
    NODE_OPTIONS: callerOptions ? `${callerOptions} ${heapOption}` : heapOption,
  };
}

/** The mount steps of the init script, and the folders it needs as fds to bind back. */
export function mountSteps(input: InvocationInput): string[] {
  const steps: string[] = [];
  // A folder the run must see is never covered, nor is anything inside one.
  const covers = (dir: string): boolean => !input.visible.some((v) => isInside(dir, v));
  const diskBytes = String(Math.max(1, Math.floor(input.limits.maxDiskMb)) * 1024 * 1024);
  const covered: string[] = [];
  for (const dir of [...input.sharedTemp].sort()) {
    if (!covers(dir) || covered.some((c) => isInside(dir, c))) continue;
    steps.push('tmpfs', dir, '1777', diskBytes);
    covered.push(dir);
  }
  for (const dir of [...input.unreachable].sort()) {
    if (!covers(dir) || covered.some((c) => isInside(dir, c))) continue;
    // Only the skeleton of the bound-back folders lives here; the platform's own files under it stay out of sight.
    steps.push('tmpfs', dir, '0755', String(1 << 20));
    covered.push(dir);
  }
  const bound: string[] = [];
  for (const path of [...new Set(input.visible)].sort((a, b) => a.length - b.length)) {
    if (!covered.some((c) => isInside(path, c) && path !== c)) continue;
    if (bound.some((b) => isInside(path, b))) continue;
    bound.push(path);
  }
  if (bound.length > LAST_FD - FIRST_FD + 1)
    throw new Error(`sandbox: more than ${LAST_FD - FIRST_FD + 1} folders to bind back`);
  const holds = bound.flatMap((path, i) => ['hold', String(FIRST_FD + i), path]);
  const binds = bound.flatMap((path, i) => ['bind', String(FIRST_FD + i), path]);
  return [...holds, ...steps, ...binds, ...input.readOnly.flatMap((path) => ['ro', path])];
}

/** How much lower than the platform's the untrusted code's CPU priority is (nice value, 0-19). */
export const SANDBOX_NICENESS = 10;

/**
 * The command line of a run, outermost first:
 * - `setpriv --pdeathsig KILL`: if the platform dies (even by SIGKILL), the kernel kills `unshare`;
 * - `nice`: the run and everything it starts yield the CPU to the platform's own processes;
 * - `unshare --pid --mount --fork --kill-child [--net]`: when `unshare` dies its child, the namespace's init, is
 *   killed, and with the init every process of the namespace;
 * - the init script: network and mounts as root, then the program's process joins the cgroups and
 * - `setpriv` drops to the sandbox user (no groups, no new privileges: setuid programs gain nothing), then
 * - `prlimit`: no core files, no single file above the disk limit, and the rlimit fallbacks for memory and processes;
 * - the program, without a shell.
 * Each layer is left out when the machine lacks it; what applied is reported as SandboxEnforcement.
 */
export function buildInvocation(input: InvocationInput): Invocation {
  const { tools, user } = input.machine;
  if (!tools.sh) throw new Error('sandbox: no /bin/sh on this machine');
  const namespaces = input.machine.pidNamespace && !!tools.unshare && !!tools.mount && !!tools.mkdir;
  const isolateNetwork = namespaces && !input.network && input.machine.netNamespace && !!tools.ip;

  let command = [...input.argv];
  if (tools.prlimit) {
    const limits = ['--core=0', `--fsize=${Math.max(1, Math.floor(input.limits.maxDiskMb)) * 1024 * 1024}`];
    // RLIMIT_DATA, not RLIMIT_AS: V8 reserves far more address space than it uses, but reservations are not data.
    if (!input.memoryCgroup)
      limits.push(`--data=${Math.max(1, Math.floor(input.limits.memoryMb)) * 1024 * 1024}`);
    if (!input.processCgroup && user)
      limits.push(`--nproc=${Math.max(1, Math.floor(input.limits.maxProcesses))}`);
    command = [tools.prlimit, ...limits, '--', ...command];
  }
  if (user && tools.setpriv) {
    command = [
      tools.setpriv,
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--no-new-privs',
      // The uid change clears the parent-death signal; set again, the program dies with the init.
      '--pdeathsig=KILL',
      '--',
      ...command,
    ];
  }

  const steps = namespaces ? mountSteps(input) : [];
  const initSteps = [...(isolateNetwork ? ['lo'] : []), ...steps];
  const programSteps = [...input.cgroupProcs.flatMap((f) => ['cgroup', f]), 'cd', input.cwd];
  const init = [
    tools.sh,
    '-c',
    INIT_SCRIPT,
    'sandbox-init',
    tools.mount ?? 'mount',
    tools.ip ?? 'ip',
    tools.mkdir ?? 'mkdir',
    ...initSteps,
    '--',
    ...programSteps,
    '--',
    ...command,
  ];

  let outer = init;
  if (namespaces) {
    outer = [
      tools.unshare!,
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      ...(isolateNetwork ? ['--net'] : []),
      '--',
      ...outer,
    ];
  }
  // Builds and test suites take every core they are given; on the machine the platform runs on they would starve its
  // stream processing (seen: telemetry parsed minutes behind while fixes were validated, so learning waited on it).
  if (tools.nice) outer = [tools.nice, '-n', String(SANDBOX_NICENESS), ...outer];
  if (tools.setpriv) outer = [tools.setpriv, '--pdeathsig=KILL', '--', ...outer];

  const [file, ...args] = outer as [string, ...string[]];
  return { file, args, env: sandboxEnv(input) };
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * The program's status from the outermost process's. The init shell reports a program killed by signal N as exit
 * status 128 + N, as every shell does; a program that itself exits with such a status reads the same.
 */
export function programStatus(
  code: number | null,
  signal: NodeJS.Signals | null,
): { exitCode: number | null; signal: string | null } {
  if (signal) return { exitCode: null, signal };
  if (code !== null && code > 128 && signalNames.has(code - 128))
    return { exitCode: null, signal: signalNames.get(code - 128)! };
  return { exitCode: code, signal: null };
}
