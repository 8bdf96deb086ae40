export { buildProgram, main } from './program.js';
export { planParse } from './commands/parse.js';
export { ParseLedgerStore, requestThroughLedger, PARSE_LEDGER_COLLECTION } from './commands/parseRequests.js';
export * from './ranges/offsetRanges.js';
export * from './ranges/parseLedger.js';
export {
  groupDemoNamespaces,
  listDemoNamespaces,
  newDemoNamespace,
  pruneDemoNamespaces,
  removeDemoNamespace,
  staleDemoNamespaces,
  type DemoNamespace,
} from './commands/demoNamespaces.js';
export { continuousTraffic, every } from './demo/live.js';
export {
  errorWarmupMs,
  runScenario,
  runScenarios,
  timingsFrom,
  type HealingRecord,
  type ScenarioOptions,
  type Timings,
} from './demo/scenario.js';
export { CHAOS_VICTIMS, chaosSchedule, type ChaosEvent, type ChaosPlan } from './demo/chaos.js';
export { healed, type StoryEnd } from './demo/story.js';
