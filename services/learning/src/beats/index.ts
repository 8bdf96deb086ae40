import type { StageBeats } from '@self-healing/shared';
import type { LearningDeps } from '../service/deps.js';
import { trackRequested } from './trackRequested.js';
import { loadDeploymentInfo } from './loadDeploymentInfo.js';
import { collectPostDeploymentMetrics } from './collectPostDeploymentMetrics.js';
import { compareMetrics } from './compareMetrics.js';
import { calculateImprovement } from './calculateImprovement.js';
import { assessSuccess } from './assessSuccess.js';
import { updateLearningModels } from './updateLearningModels.js';
import { generateInsights } from './generateInsights.js';
import { storeEffectiveness } from './storeEffectiveness.js';
import { trackCompleted } from './trackCompleted.js';

/** The learning.track beats, one file each, named after its handler. */
export const learningBeats: StageBeats<'learning.track', LearningDeps> = {
  trackRequested,
  loadDeploymentInfo,
  collectPostDeploymentMetrics,
  compareMetrics,
  calculateImprovement,
  assessSuccess,
  updateLearningModels,
  generateInsights,
  storeEffectiveness,
  trackCompleted,
};
