import { z } from 'zod';
import { CatalogueError, loadCatalogue } from './load.js';
import type { Catalogue } from './schema.js';

/**
 * The `CATALOGUE` variable of a service's environment schema: the path of the service catalogue, loaded and
 * validated while the configuration is, so a bad catalogue stops the service at start-up with one configuration
 * problem per bad field (`CATALOGUE: services.checkout.logFormat.regex: not a valid regular expression`).
 * Unset: null, and the service keeps its catalogue-free behaviour.
 */
export const catalogueVariable = z
  .string()
  .min(1)
  .optional()
  .transform((path, ctx): Catalogue | null => {
    if (path === undefined) return null;
    try {
      return loadCatalogue(path);
    } catch (error) {
      if (!(error instanceof CatalogueError)) throw error;
      for (const p of error.problems)
        ctx.addIssue({ code: 'custom', message: `${p.path || '(root)'}: ${p.message} (${path})` });
      return z.NEVER;
    }
  })
  .describe('service catalogue file (YAML or JSON); without it no service has declared settings');
