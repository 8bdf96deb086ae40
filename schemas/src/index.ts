export type * from './domain.js';
