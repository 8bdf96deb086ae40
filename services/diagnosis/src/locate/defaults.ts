import type { LocalizeOptions } from './localize.js';

/** The configuration the diagnosis stage uses (chosen by leave-one-out on the bench, see bench/localize.ts). */
export const PRODUCT_OPTIONS: Omit<LocalizeOptions, 'repoRoot'> = {
  formula: 'ochiai',
  blockWeight: 0.01,
  frameWeight: 0.5,
};
