/**
 * Files that are not the program under diagnosis: dependencies and the tests themselves (a test that fails is
 * evidence, not a suspect), nor are the examples and benchmarks beside the program. Conventions shared across
 * JavaScript/TypeScript, Python, Go and Java layouts.
 */
const NOT_PROGRAM = [
  /(^|\/)node_modules\//,
  /(^|\/)(test|tests|__tests__|spec|specs|__mocks__|fixtures|testdata)\//,
  /\.(spec|test)\.[cm]?[jt]sx?$/,
  /(^|\/)test_[^/]*\.py$/,
  /_test\.(go|py)$/,
  /(^|\/)(vendor|dist|build|coverage)\//,
  // examples, benchmarks and docs ship with a project but are not what its tests test
  /(^|\/)(examples?|samples?|demos?|benchmarks?|docs?)\//,
];

export function isProgramFile(path: string): boolean {
  return !NOT_PROGRAM.some((re) => re.test(path));
}
