export { buildProgram, main } from './program.js';
export { newRanges } from './commands/parse.js';
export {
  ship,
  requestParse,
  filesUnder,
  LineBatcher,
  type ShipOptions,
  type ShipResult,
} from './commands/ship.js';
