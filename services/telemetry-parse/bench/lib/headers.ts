import { readFileSync } from 'node:fs';
import { compileFormat, type FormatSpec } from '../../src/header/format.js';
import { inferHeader, type InferredHeader } from '../../src/header/infer.js';
import { parseTextHeader } from '../../src/header/parse-text-header.js';
import type { HeaderRecord } from '../../src/header/fields.js';
import { YearInference } from '../../src/header/year.js';
import type { LoghubSystem } from './loghub-data.js';

/**
 * How a benchmark takes the header off raw lines:
 * - declared: the format a user declares for the system (`--formats file.json`, system -> format);
 * - inferred: header inference from the first `sample` lines of the system (src/header/infer.ts), its one
 *   parameter chosen by leave-one-system-out (chooseStability);
 * - rules: the fixed rules of parseTextHeader (the former generic extraction, kept for comparison).
 */
export type HeaderMode =
  | { kind: 'declared'; formats: Record<string, FormatSpec> }
  | { kind: 'inferred'; sample: number; stability: Record<string, number> }
  | { kind: 'rules' };

export interface Headers {
  /** Per line: the header read, or null when the line did not have the header (its message is the line). */
  records: Array<HeaderRecord | null>;
  messages: string[];
  /** The format used, in Drain's notation or as declared. */
  format: string;
}

/** Header extraction over one system's lines. Pure apart from the clock the caller reads around it. */
export type HeaderExtractor = (lines: readonly string[]) => Headers;

export function readFormats(path: string): Record<string, FormatSpec> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${path}: expected an object of system -> format`);
  return parsed as Record<string, FormatSpec>;
}

function run(
  lines: readonly string[],
  match: (line: string, years: YearInference) => HeaderRecord | null,
): Omit<Headers, 'format'> {
  const years = new YearInference();
  const records = new Array<HeaderRecord | null>(lines.length);
  const messages = new Array<string>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const r = match(lines[i]!, years);
    records[i] = r;
    messages[i] = r === null ? lines[i]!.trim() : r.message;
  }
  return { records, messages };
}

export function extractorFor(system: string, mode: HeaderMode): HeaderExtractor {
  switch (mode.kind) {
    case 'declared': {
      const spec = mode.formats[system];
      if (spec === undefined) throw new Error(`no format declared for ${system}`);
      const format = compileFormat(spec);
      return (lines) => ({ ...run(lines, (l, years) => format.match(l, { years })), format: format.source });
    }
    case 'inferred': {
      const stability = mode.stability[system];
      return (lines) => {
        const header: InferredHeader | null = inferHeader(lines.slice(0, mode.sample), { stability });
        if (header === null) return { ...run(lines, () => null), format: '<Content>' };
        return { ...run(lines, (l, years) => header.match(l, { years })), format: header.notation };
      };
    }
    case 'rules':
      return (lines) => ({
        ...run(lines, (l) => ({ ...parseTextHeader(l), attributes: {} })),
        format: 'parseTextHeader rules',
      });
  }
}

/** Share of lines whose message equals the ground-truth Content. */
export function headerAgreement(sys: LoghubSystem, messages: readonly string[]): number {
  let agree = 0;
  for (let i = 0; i < sys.lines.length; i++) if (messages[i] === sys.contents[i]) agree++;
  return agree / Math.max(1, sys.lines.length);
}

export const STABILITY_GRID: readonly number[] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export interface StabilityChoice {
  /** Per held-out system: the stability that did best on the other systems. */
  chosen: Record<string, number>;
  /** Header agreement per stability (rows) and system (columns), for the report. */
  table: Record<string, Record<string, number>>;
}

/**
 * Leave-one-system-out: for each system, the grid value with the best mean header agreement over the OTHER
 * systems (ties to the middle of the tied values), so no system's own data picks its setting.
 */
export function chooseStability(systems: readonly LoghubSystem[], sample: number): StabilityChoice {
  const table: Record<string, Record<string, number>> = {};
  for (const theta of STABILITY_GRID) {
    const row: Record<string, number> = {};
    for (const sys of systems) {
      const h = extractorFor(sys.name, { kind: 'inferred', sample, stability: { [sys.name]: theta } })(
        sys.lines,
      );
      row[sys.name] = headerAgreement(sys, h.messages);
    }
    table[String(theta)] = row;
  }
  const chosen: Record<string, number> = {};
  for (const held of systems) {
    const others = systems.filter((s) => s.name !== held.name);
    const scores = STABILITY_GRID.map((theta) => {
      const row = table[String(theta)]!;
      return others.reduce((a, s) => a + row[s.name]!, 0) / Math.max(1, others.length);
    });
    const top = Math.max(...scores);
    // Ties go to the middle of the best range: the setting farthest from where agreement starts to drop.
    const best = STABILITY_GRID.filter((_, i) => scores[i]! >= top - 1e-9);
    chosen[held.name] = best[Math.floor(best.length / 2)]!;
  }
  return { chosen, table };
}
