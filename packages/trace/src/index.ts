export * from './format.js';
export * from './stats.js';
export * from './replay.js';
