export * from './layout.js';
export * from './ptr.js';
export * from './errors.js';
export * from './heap.js';
export * from './allocator.js';
export * from './types.js';
export * from './gc.js';
