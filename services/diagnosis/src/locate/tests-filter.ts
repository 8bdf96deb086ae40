/**
 * Files that are not the program under diagnosis: dependencies and the tests themselves (a test that fails is
 * evidence, not a suspect). Conventions shared across JavaScript/TypeScript, Python, Go and Java layouts.
 */
const NOT_PROGRAM = [
  /(^|\/)node_modules\//,
  /(^|\/)(test|tests|__tests__|spec|specs|__mocks__|fixtures|testdata)\//,
  /\.(spec|test)\.[cm]?[jt]sx?$/,
  /(^|\/)test_[^/]*\.py$/,
  /_test\.(go|py)$/,
  /(^|\/)(vendor|dist|build|coverage)\//,
];

export function isProgramFile(path: string): boolean {
  return !NOT_PROGRAM.some((re) => re.test(path));
}
