export * from './template.js';
export * from './campaign.js';
