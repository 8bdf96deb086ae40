/**
 * Paths seen in production (stack frames, log call sites) and in coverage reports come from different roots:
 * `/app/dist/orders/checkout.js`, `/home/ci/work/src/orders/checkout.ts`, `webpack:///./src/orders/checkout.ts`.
 * They are compared on normalized segments from the end.
 */
export function normalizePath(raw: string): string {
  let p = raw.trim().replace(/\\/g, '/');
  p = p.replace(/^(file|webpack(-internal)?):\/+/, '/');
  p = p.replace(/[?#].*$/, '');
  p = p.replace(/^\/?[A-Za-z]:\//, '/');
  const out: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

/** The path without its source/compiled extension, so `checkout.ts` and `checkout.js` meet. */
export function stripSourceExtension(path: string): string {
  return path.replace(/\.(m|c)?(j|t)sx?$/, '');
}

/**
 * Number of trailing path segments two paths share, 0 when the file names differ. Compiled and source
 * extensions are treated as equal. `src/` vs `dist/` differences in the middle do not matter because only the
 * common suffix counts.
 */
export function suffixMatchLength(a: string, b: string): number {
  const x = stripSourceExtension(normalizePath(a)).split('/');
  const y = stripSourceExtension(normalizePath(b)).split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[x.length - 1 - n] === y[y.length - 1 - n]) n++;
  return n;
}

/**
 * The candidate that shares the longest suffix with `path` (at least the file name), or null when none does or
 * when two candidates tie (an ambiguous match is worse than none: it would blame the wrong file).
 */
export function bestSuffixMatch(path: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestLength = 0;
  let tie = false;
  for (const candidate of candidates) {
    const length = suffixMatchLength(path, candidate);
    if (length > bestLength) {
      best = candidate;
      bestLength = length;
      tie = false;
    } else if (length === bestLength && length > 0) {
      tie = true;
    }
  }
  return bestLength > 0 && !tie ? best : null;
}
