/**
 * A fixed split of a NAB corpus into a development half and a held-out half, so that a detector change can be
 * decided on files it is then not judged on. The split depends only on the files' names (sorted positions), never
 * on their contents or scores, so it is the same for every detector and every run.
 */
export type SplitHalf = 'odd' | 'even';

export function isSplitHalf(x: string): x is SplitHalf {
  return x === 'odd' || x === 'even';
}

/**
 * `odd`: the 1st, 3rd, 5th, ... files of the list sorted by relative path form the development half;
 * `even`: the 2nd, 4th, ... files. The held-out half is the rest; both keep the sorted order.
 */
export function splitByPosition<T extends { relativePath: string }>(
  files: readonly T[],
  half: SplitHalf,
): { dev: T[]; heldout: T[] } {
  const sorted = [...files].sort((a, b) =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
  );
  const devParity = half === 'odd' ? 0 : 1; // index 0 is the 1st file
  return {
    dev: sorted.filter((_, i) => i % 2 === devParity),
    heldout: sorted.filter((_, i) => i % 2 !== devParity),
  };
}
