import type { StageBeats } from '@self-healing/shared';
import type { DeploymentDeps } from '../service/deps.js';
import { deployRequested } from './deployRequested.js';
import { loadValidationResults } from './loadValidationResults.js';
import { checkApproval } from './checkApproval.js';
import { createBranch } from './createBranch.js';
import { applyChanges } from './applyChanges.js';
import { createPullRequest } from './createPullRequest.js';
import { runCIChecks } from './runCIChecks.js';
import { autoMergePR } from './autoMergePR.js';
import { deployToProduction } from './deployToProduction.js';
import { verifyDeployment } from './verifyDeployment.js';
import { deployCompleted } from './deployCompleted.js';

/** The deployment.deploy beats, one file each, named after its handler. */
export const deploymentBeats: StageBeats<'deployment.deploy', DeploymentDeps> = {
  deployRequested,
  loadValidationResults,
  checkApproval,
  createBranch,
  applyChanges,
  createPullRequest,
  runCIChecks,
  autoMergePR,
  deployToProduction,
  verifyDeployment,
  deployCompleted,
};
