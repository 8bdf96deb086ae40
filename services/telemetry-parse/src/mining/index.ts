export {
  TemplateMiner,
  type MinerOptions,
  type MineResult,
  type TemplateInfo,
  type MinerStats,
  type MinerSnapshot,
} from './miner.js';
export { extractNumbers } from './numbers.js';
export { maskToken, isPureVariable, fuseWildcards, WILDCARD } from './mask.js';
export { toSlots, type Slots } from './tokenize.js';
export { templateIdOf } from './template-id.js';
export { unitOf, type Unit, type UnitKind } from './units.js';
