import type { V8Function, V8Range, V8Script } from './types.js';

/** Bounds on one coverage file: it is written by processes of the application under test. */
export const V8_LIMITS = { maxScripts: 50_000, maxFunctionsPerScript: 200_000, maxRangesPerFunction: 100_000 };

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/**
 * The scripts of one NODE_V8_COVERAGE file, keeping only well-formed ranges. Anything else in the file (timestamps,
 * Node's source-map cache) is ignored: source maps are read next to the scripts, inside the root.
 */
export function parseV8Coverage(json: string): V8Script[] {
  const data: unknown = JSON.parse(json);
  const result = (data as { result?: unknown } | null)?.result;
  if (!Array.isArray(result)) return [];
  const scripts: V8Script[] = [];
  for (const entry of result.slice(0, V8_LIMITS.maxScripts)) {
    const { url, functions } = (entry ?? {}) as { url?: unknown; functions?: unknown };
    if (typeof url !== 'string' || !Array.isArray(functions)) continue;
    scripts.push({ url, functions: functions.slice(0, V8_LIMITS.maxFunctionsPerScript).flatMap(functionOf) });
  }
  return scripts;
}

function functionOf(value: unknown): V8Function[] {
  const { functionName, ranges, isBlockCoverage } = (value ?? {}) as Record<string, unknown>;
  if (!Array.isArray(ranges)) return [];
  const kept: V8Range[] = [];
  for (const r of ranges.slice(0, V8_LIMITS.maxRangesPerFunction)) {
    const { startOffset, endOffset, count } = (r ?? {}) as Record<string, unknown>;
    if (isCount(startOffset) && isCount(endOffset) && isCount(count) && endOffset >= startOffset) {
      kept.push({ startOffset, endOffset, count });
    }
  }
  if (kept.length === 0) return [];
  return [
    {
      functionName: typeof functionName === 'string' ? functionName.slice(0, 200) : '',
      ranges: kept,
      isBlockCoverage: isBlockCoverage === true,
    },
  ];
}
