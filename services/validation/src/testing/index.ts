export type { TestCaseResult, TestStatus } from './types.js';
export { parseJUnit, MAX_MESSAGE_CHARS, MAX_TEST_CASES, ID_SEPARATOR } from './junit.js';
export {
  xmlEvents,
  decodeEntities,
  XmlLimitError,
  DEFAULT_XML_LIMITS,
  type XmlEvent,
  type XmlLimits,
} from './xml.js';
export { testRunnerOptions, type RunnerOptions, type Framework } from './runner.js';
export {
  compareRuns,
  needsRerun,
  describeSide,
  type SuiteComparison,
  type TestComparison,
  type SideOutcome,
  type RerunRequest,
} from './compare.js';
export {
  regressionVerdict,
  findTest,
  type RegressionVerdict,
  type RegressionTestOutcome,
} from './regression.js';
export { readJUnitReport } from './read.js';
