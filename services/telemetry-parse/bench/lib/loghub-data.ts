import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export interface LoghubSystem {
  name: string;
  /** Raw lines of `<S>_2k.log`, line endings removed. */
  lines: string[];
  /** Ground-truth `Content` per line (same order). */
  contents: string[];
  /** Ground-truth `EventTemplate` per line. */
  templates: string[];
}

/** Systems under `dir` that have both `<S>/<S>_2k.log` and `<S>/<S>_2k.log_structured_corrected.csv`. */
export function findSystems(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => {
      const sub = join(dir, name);
      return (
        statSync(sub).isDirectory() &&
        existsSync(join(sub, `${name}_2k.log`)) &&
        existsSync(join(sub, `${name}_2k.log_structured_corrected.csv`))
      );
    })
    .sort();
}

export function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function loadSystem(dir: string, name: string): LoghubSystem {
  const lines = splitLines(readFileSync(join(dir, name, `${name}_2k.log`), 'utf8'));
  const rows = parse(readFileSync(join(dir, name, `${name}_2k.log_structured_corrected.csv`), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as Array<Record<string, string>>;
  if (rows.length !== lines.length) {
    throw new Error(`${name}: ${lines.length} log lines but ${rows.length} ground-truth rows`);
  }
  return {
    name,
    lines,
    contents: rows.map((r) => r['Content'] ?? ''),
    templates: rows.map((r) => r['EventTemplate'] ?? ''),
  };
}
