/** What a run may use. Every limit is enforced by the strongest means this machine offers (see SandboxEnforcement). */
export interface SandboxLimits {
  timeoutMs: number;
  memoryMb: number;
  maxProcesses: number;
  /** Size of `root` (and of the private /tmp) the run may reach; measured, not reserved. */
  maxDiskMb: number;
  /** Kept of stdout and of stderr each (head and tail). */
  maxOutputBytes: number;
}

export interface SandboxRequest {
  /** Program and arguments, run without a shell. */
  argv: string[];
  /** Absolute folder the code may write (a git worktree); prepared by prepareSandboxRoot. */
  root: string;
  /** Working directory, inside root; root by default. */
  cwd?: string;
  /**
   * Variables added to an environment built from scratch (PATH, HOME=root, TMPDIR, LANG, CI, NODE_ENV). The
   * platform's own environment is never passed on: it holds the forge token and the database and broker addresses.
   */
  env?: Record<string, string>;
  limits: SandboxLimits;
  /** false: a network namespace of its own with only loopback up. true: the host's network (a first `npm ci`). */
  network: boolean;
  /** Made read-only inside the run (e.g. the tests the patch must not change); each must exist. */
  readOnlyPaths?: string[];
  /**
   * The bin folder of the Node.js the run uses, first on PATH and visible read-only (an old project's suite on the
   * Node.js of its time); the platform's own Node.js when absent.
   */
  nodeBinDir?: string;
  /** Folders outside root the code may also write (npm's cache); prepare them with prepareSandboxRoot too. */
  writablePaths?: string[];
}

export type KilledFor = 'timeout' | 'memory' | 'disk' | 'processes' | 'output';

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Why the platform (or the kernel, for memory) ended the run; null when it ended by itself. */
  killedFor: null | KilledFor;
  /** Each truncated to limits.maxOutputBytes, keeping its head and its tail. */
  stdout: string;
  stderr: string;
  enforced: SandboxEnforcement;
}

/** What really applied: the machine may lack a namespace, a cgroup controller or root. */
export interface SandboxEnforcement {
  /** The run had no network but its own loopback. */
  network: boolean;
  /** The run had its own pid and mount namespaces: it could see only its processes, and all died with it. */
  pidNamespace: boolean;
  /** The unprivileged account the code ran as; null when it ran as the platform's own user. */
  user: string | null;
  memory: 'cgroup' | 'rlimit' | 'none';
  processes: 'cgroup' | 'rlimit' | 'none';
  disk: 'watchdog';
}
