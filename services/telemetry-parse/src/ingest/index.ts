export * from './ship.js';
export * from './requests.js';
