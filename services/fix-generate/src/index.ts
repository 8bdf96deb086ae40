export type * from './strategies/types.js';
