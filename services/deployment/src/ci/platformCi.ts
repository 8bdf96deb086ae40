import { runSuiteAt, safeName } from '@self-healing/validation';
import type { RepoRef } from '@self-healing/shared/forge';
import type { GitRepo } from '@self-healing/diagnosis';
import type { ServiceEntry } from '@self-healing/shared/catalogue';
import { CI_CONTEXT, type DeploymentDeps } from '../service/deps.js';

/**
 * The platform's own CI for one commit: `pending` on the forge, the service's whole suite in a clean checkout
 * (validation's sandbox and limits), then `success` or `failure` under CI_CONTEXT, which the branch protection
 * requires. Callers run it as an effect, so a recorded run is never posted twice.
 */
export async function runPlatformCi(
  deps: DeploymentDeps,
  p: { repo: RepoRef; mirror: GitRepo; commit: string; service: ServiceEntry | null; runName: string },
): Promise<{ conclusion: string; summary: string }> {
  const forge = deps.forge();
  await forge.createCommitStatus(p.repo, p.commit, {
    state: 'pending',
    context: CI_CONTEXT,
    description: 'the self-healing platform runs the suite',
  });
  const result = await runSuiteAt({
    repo: p.mirror,
    commit: p.commit,
    entry: p.service,
    workDir: deps.settings.workDir,
    runName: safeName(p.runName),
    testTimeoutMs: deps.settings.testTimeoutMs,
    maxDiskMb: deps.settings.maxDiskMb,
  });
  await forge.createCommitStatus(p.repo, p.commit, {
    state: result.conclusion === 'success' ? 'success' : 'failure',
    context: CI_CONTEXT,
    description: result.summary.slice(0, 200),
  });
  return { conclusion: result.conclusion, summary: result.summary };
}
