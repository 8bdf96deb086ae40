export { buildProgram, main } from './program.js';
export {
  ship,
  requestParse,
  filesUnder,
  LineBatcher,
  type ShipOptions,
  type ShipResult,
} from './commands/ship.js';
