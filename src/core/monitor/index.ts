export * from './series.js';
export * from './baseline.js';
export * from './detect.js';
export * from './monitor.js';
export * from './prior.js';
