export {
  generateTraffic,
  defaultFaultPlan,
  checkoutFlow,
  declaredSequences,
  defaultShare,
  faultKinds,
} from './traffic.js';
export type { FaultKind, FaultLabel, FaultSpec, Handler, Traffic, TrafficOptions } from './traffic.js';
export { Prng } from './prng.js';
export {
  loadCorpus,
  loadFault,
  materializeHistory,
  materializeFault,
  materializeCorpus,
  applyRelease,
  applyPatch,
  defaultCorpusDir,
  HEALTHY_TAG,
  FAULTY_TAG,
  HEALTHY_VERSION,
  RELEASE_VERSION,
} from './corpus/materialize.js';
export type { Corpus, Fault, Release } from './corpus/materialize.js';
export { parseTruth, truthSchema, faultKinds as corpusFaultKinds, symptoms } from './corpus/truth.js';
export type { Truth, FaultKind as CorpusFaultKind, Symptom } from './corpus/truth.js';
export { parsePatch, parseDiff } from './corpus/patch.js';
export type { PatchInfo, PatchFile } from './corpus/patch.js';
export { sampleApp } from './app-spec.js';
export { IncrementalBuild } from './corpus/check/build.js';
export { runProbe, type ProbeRun } from './corpus/check/probe.js';
