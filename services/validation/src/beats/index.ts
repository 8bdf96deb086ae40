import type { StageBeats } from '@self-healing/shared';
import type { ValidationDeps } from '../service/deps.js';
import { validateRequested } from './validateRequested.js';
import { loadPatch } from './loadPatch.js';
import { applyPatch } from './applyPatch.js';
import { runTests } from './runTests.js';
import { checkCoverage } from './checkCoverage.js';
import { verifyPerformance } from './verifyPerformance.js';
import { validateDocumentation } from './validateDocumentation.js';
import { aggregateValidationResults } from './aggregateValidationResults.js';
import { storeValidationResults } from './storeValidationResults.js';
import { validateCompleted } from './validateCompleted.js';

/** The validation.run beats, one file each, named after its handler. */
export const validationBeats: StageBeats<'validation.run', ValidationDeps> = {
  validateRequested,
  loadPatch,
  applyPatch,
  runTests,
  checkCoverage,
  verifyPerformance,
  validateDocumentation,
  aggregateValidationResults,
  storeValidationResults,
  validateCompleted,
};
