export * from './resident-id.js';
export * from './phone.js';
export * from './mask.js';
