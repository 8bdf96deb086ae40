export type { KilledFor, SandboxEnforcement, SandboxLimits, SandboxRequest, SandboxResult } from './types.js';
export { sandboxCapabilities } from './capabilities.js';
export { runSandboxed } from './run.js';
export { prepareSandboxRoot } from './prepare.js';
