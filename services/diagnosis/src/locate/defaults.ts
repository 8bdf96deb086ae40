import type { LocalizeWeights } from './localize.js';

/**
 * The configuration the diagnosis stage uses: the one leave-one-out chose in 21 of 25 folds on the BugsJS Express
 * bugs (`npm run bench:localize -- --bugs <manifest> --loo`): DStar, the failing tests' titles against the
 * enclosing definition at full weight, a little weight on recently changed lines. Stack frames and block
 * tie-breaking did not help there (the tests assert on HTTP responses, so frames rarely reach the fault) and stay
 * available for incidents whose stacks do.
 */
export const PRODUCT_OPTIONS: LocalizeWeights = {
  formula: 'dstar',
  textWeight: 1,
  recencyWeight: 0.1,
  frameWeight: 0,
  blockWeight: 0,
};
