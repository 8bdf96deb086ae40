import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** The platform's services the demo runs, each as its own process (its `main.ts`, as it is deployed). */
export const PLATFORM_SERVICES = [
  'telemetry-parse',
  'anomaly-detect',
  'diagnosis',
  'fix-generate',
  'validation',
  'deployment',
  'learning',
  'projector',
] as const;
export type PlatformService = (typeof PLATFORM_SERVICES)[number];

/**
 * Runs one of the platform's services from the repository's sources (TypeScript through tsx, as `npm run demo`
 * does everything else), with exactly the environment given plus PATH and HOME; its output goes to `logFile`.
 */
export function startServiceProcess(
  root: string,
  service: PlatformService,
  env: Record<string, string>,
  logFile: string,
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** SIGTERM (the services drain and commit), SIGKILL after `graceMs`. */
export async function stopServiceProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
