export * from './claim-code.js';
export * from './batch.js';
