import ts from 'typescript';

/** A script's syntax tree printed back without comments and layout: two texts with equal prints are the same tree. */
export function normalizedTree(path: string, text: string | null): string | null {
  if (text === null) return null;
  if (!/\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(path)) return text.replace(/\s+/g, ' ').trim();
  return ts
    .createPrinter({ removeComments: true })
    .printFile(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
}

/**
 * Whether a candidate is the human fix (the corpus spec's comparison, services/fix-generate/src/strategies): every
 * file either of them changes prints the same after the candidate as after the human fix. `human` holds the program
 * files the fix changes (new texts, null: deleted), `base` the buggy texts of any path.
 */
export function sameAsHumanFix(
  candidate: ReadonlyMap<string, string | null>,
  human: ReadonlyMap<string, string | null>,
  base: (path: string) => string | null,
): boolean {
  for (const path of new Set([...candidate.keys(), ...human.keys()])) {
    const want = human.has(path) ? human.get(path)! : base(path);
    const got = candidate.has(path) ? candidate.get(path)! : base(path);
    if (normalizedTree(path, want) !== normalizedTree(path, got)) return false;
  }
  return true;
}
