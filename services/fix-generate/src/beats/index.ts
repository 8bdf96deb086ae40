import type { StageBeats } from '@self-healing/shared';
import type { FixDeps } from '../service/deps.js';
import { generateFixRequested } from './generateFixRequested.js';
import { loadDiagnosis } from './loadDiagnosis.js';
import { generateCodeFix } from './generateCodeFix.js';
import { generateTestFix } from './generateTestFix.js';
import { generateDocumentationFix } from './generateDocumentationFix.js';
import { createPatch } from './createPatch.js';
import { validateSyntax } from './validateSyntax.js';
import { storePatch } from './storePatch.js';
import { generateFixCompleted } from './generateFixCompleted.js';

/** The fix.generate beats, one file each, named after its handler. */
export const fixGenerateBeats: StageBeats<'fix.generate', FixDeps> = {
  generateFixRequested,
  loadDiagnosis,
  generateCodeFix,
  generateTestFix,
  generateDocumentationFix,
  createPatch,
  validateSyntax,
  storePatch,
  generateFixCompleted,
};
