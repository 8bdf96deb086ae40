export {
  generateTraffic,
  defaultFaultPlan,
  checkoutFlow,
  declaredSequences,
  defaultShare,
  faultKinds,
} from './traffic.js';
export type { FaultKind, FaultLabel, FaultSpec, Handler, Traffic, TrafficOptions } from './traffic.js';
export { Prng } from './prng.js';
