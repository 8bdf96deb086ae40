/** V8's coverage as Node writes it to NODE_V8_COVERAGE (coverage-<pid>-<time>-<n>.json, one file per process). */
export interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

export interface V8Function {
  functionName: string;
  /** The first range is the function itself; the others are its blocks (arms, loop bodies, continuations). */
  ranges: V8Range[];
  isBlockCoverage: boolean;
}

export interface V8Script {
  url: string;
  functions: V8Function[];
}

/**
 * A block of one script's code with its execution count, merged over every process that loaded the script.
 * Offsets are UTF-16 positions in the script as V8 compiled it.
 */
export interface Block {
  start: number;
  end: number;
  count: number;
  /** The range of a whole function (the first of its ranges), not a block inside one. */
  isFunction: boolean;
}

/** Branch coverage on one line: V8 blocks starting there, and how many of them ran. */
export interface LineBranches {
  line: number;
  taken: number;
  total: number;
}

/** Coverage of one source file of the repository. */
export interface FileCoverage {
  /** Path relative to the repository root, with '/'. */
  file: string;
  /** 1-based line -> times run, for executable lines only (code, not comments, blank lines or lone closers). */
  lines: ReadonlyMap<number, number>;
  /** Lines where V8 blocks start, sorted by line. */
  branches: LineBranches[];
}
