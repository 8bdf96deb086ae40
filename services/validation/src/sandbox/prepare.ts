import { execFile } from 'node:child_process';
import { lstat, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { machine } from './capabilities.js';
import { TMP_DIR_NAME } from './invocation.js';

const exec = promisify(execFile);

/**
 * Gives a folder to the sandbox user: the worktree before a run (and npm's cache, if the run may write it). The run
 * can then write there and, being that user, nowhere else the platform owns. Symbolic links inside are not followed
 * (`chown -P`): a link the application planted cannot hand it a file of the platform.
 */
export async function prepareSandboxRoot(root: string): Promise<void> {
  if (!isAbsolute(root)) throw new Error(`sandbox: root must be absolute, got ${root}`);
  const s = await lstat(root);
  if (!s.isDirectory()) throw new Error(`sandbox: ${root} is not a folder`);
  const tmp = join(root, TMP_DIR_NAME);
  const t = await lstat(tmp).catch(() => null);
  if (!t) await mkdir(tmp, { mode: 0o700 });
  else if (!t.isDirectory()) throw new Error(`sandbox: ${tmp} exists and is not a folder`);
  const { user } = await machine();
  if (user) await exec('chown', ['-R', '-P', `${user.uid}:${user.gid}`, root], { timeout: 300_000 });
}
