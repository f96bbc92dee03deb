export { Objects } from './objects.js';
export * from './layout.js';
