import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodIssue } from 'zod';
import { Catalogue, type ServiceEntry } from './schema.js';

/** One bad field: its path in the file (`services.checkout.commands.build`) and what is wrong with it. */
export interface CatalogueProblem {
  path: string;
  message: string;
}

/** A catalogue that cannot be used; `problems` names every bad field, not just the first. */
export class CatalogueError extends Error {
  constructor(
    readonly source: string,
    readonly problems: CatalogueProblem[],
  ) {
    super(
      `bad service catalogue ${source}: ${problems.length} problem(s)\n` +
        problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n'),
    );
    this.name = 'CatalogueError';
  }
}

function problemsOf(issues: readonly ZodIssue[]): CatalogueProblem[] {
  const out: CatalogueProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: path ? `${path}.${key}` : key, message: 'unknown field' });
    } else if (issue.code === 'invalid_union') {
      // A union (log format) reports every alternative; the shortest explanation is the one the author meant.
      const branches = issue.unionErrors.map((e) => problemsOf(e.issues));
      const best = branches.sort((a, b) => a.length - b.length)[0] ?? [];
      out.push(...(best.length ? best : [{ path, message: issue.message }]));
    } else if (issue.code === 'invalid_type' && issue.received === 'undefined') {
      out.push({ path, message: 'missing' });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/** Validates a parsed catalogue; throws a CatalogueError listing every bad field. */
export function validateCatalogue(value: unknown, source = 'catalogue'): Catalogue {
  const result = Catalogue.safeParse(value);
  if (!result.success) {
    // One line per field: a URL that is no URL also fails the scheme check, which says nothing more.
    const seen = new Set<string>();
    const problems = problemsOf(result.error.issues).filter((p) => !seen.has(p.path) && seen.add(p.path));
    throw new CatalogueError(source, problems);
  }
  return result.data;
}

/** Parses catalogue text, YAML (a superset of JSON) or JSON by the file's extension. */
export function parseCatalogue(text: string, source = 'catalogue'): Catalogue {
  let value: unknown;
  try {
    value = extname(source) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new CatalogueError(source, [
      { path: '', message: `not valid YAML/JSON: ${(error as Error).message}` },
    ]);
  }
  return validateCatalogue(value, source);
}

export function loadCatalogue(path: string): Catalogue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CatalogueError(path, [{ path: '', message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseCatalogue(text, path);
}

export function serviceOf(catalogue: Catalogue, name: string): ServiceEntry {
  const entry = catalogue.services[name];
  if (!entry)
    throw new Error(
      `service ${name} is not in the catalogue (it has: ${Object.keys(catalogue.services).join(', ')})`,
    );
  return entry;
}
