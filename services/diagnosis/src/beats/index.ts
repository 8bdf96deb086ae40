import type { StageBeats } from '@self-healing/shared';
import type { DiagnosisDeps } from '../service/deps.js';
import { analyzeRequested } from './analyzeRequested.js';
import { loadAnomalies } from './loadAnomalies.js';
import { loadCodebaseInfo } from './loadCodebaseInfo.js';
import { analyzePerformanceIssues } from './analyzePerformanceIssues.js';
import { analyzeBehavioralIssues } from './analyzeBehavioralIssues.js';
import { analyzeCoverageIssues } from './analyzeCoverageIssues.js';
import { analyzeErrorIssues } from './analyzeErrorIssues.js';
import { assessImpact } from './assessImpact.js';
import { recommendFixes } from './recommendFixes.js';
import { storeDiagnosis } from './storeDiagnosis.js';
import { analyzeCompleted } from './analyzeCompleted.js';

/** The diagnosis.analyze beats, one file each, named after its handler. */
export const diagnosisBeats: StageBeats<'diagnosis.analyze', DiagnosisDeps> = {
  analyzeRequested,
  loadAnomalies,
  loadCodebaseInfo,
  analyzePerformanceIssues,
  analyzeBehavioralIssues,
  analyzeCoverageIssues,
  analyzeErrorIssues,
  assessImpact,
  recommendFixes,
  storeDiagnosis,
  analyzeCompleted,
};
