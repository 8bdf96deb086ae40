import { MinedPatterns } from './mined.js';
import { FullRevert, PartialRevert } from './revert.js';
import { ConditionTemplate } from './templates/condition.js';
import { DonorVariableTemplate } from './templates/donor.js';
import { ErrorCallbackTemplate } from './templates/errorCallback.js';
import { GuardTemplate } from './templates/guard.js';
import { FallbackFromHistory, RestoreFromHistory } from './templates/history.js';
import { MissingAwaitTemplate } from './templates/missingAwait.js';
import type { FixStrategy, RemedyKind } from './types.js';

export type * from './types.js';
export { MinedPatterns } from './mined.js';
export { FullRevert, PartialRevert } from './revert.js';
export { ConditionTemplate } from './templates/condition.js';
export { DonorVariableTemplate } from './templates/donor.js';
export { ErrorCallbackTemplate } from './templates/errorCallback.js';
export { GuardTemplate } from './templates/guard.js';
export { FallbackFromHistory, RestoreFromHistory } from './templates/history.js';
export { MissingAwaitTemplate } from './templates/missingAwait.js';

/**
 * The strategies of the default build, in the order SapFix tries them: reverts first (they restore code that ran
 * without the symptom), then the templates, then the patterns mined from the repository's own fixes. None needs a network service; a further strategy (mined patterns, a
 * language model endpoint) joins by implementing FixStrategy and being passed to `strategiesFor`.
 */
export function defaultStrategies(): FixStrategy[] {
  return [
    new FullRevert(),
    new PartialRevert(),
    new RestoreFromHistory(),
    new FallbackFromHistory(),
    new ConditionTemplate(),
    new GuardTemplate(),
    new DonorVariableTemplate(),
    new ErrorCallbackTemplate(),
    new MissingAwaitTemplate(),
    new MinedPatterns(),
  ];
}

/** The strategies that implement a remedy kind, from `from` (the default build unless given). */
export function strategiesFor(
  kind: RemedyKind,
  from: readonly FixStrategy[] = defaultStrategies(),
): FixStrategy[] {
  return from.filter((s) => s.remedies.includes(kind));
}
