/**
 * pymem: CPython's memory manager in TypeScript. `createRuntime()` gives a
 * runtime over a heap of real bytes; the building blocks are re-exported for
 * those who assemble their own.
 */
export { createRuntime, PyRuntime, type AllocatorChoice, type CreateRuntimeOptions, type GcChoice, type PyRuntimeStats } from './runtime.js';
export { Objects } from '@pymem/objects';
export { Runtime, NoGc, type RuntimeOptions, type RuntimeStats, type WeakrefCallback } from '@pymem/refcount';
export { TypeRegistry } from '@pymem/registry';
export { GenerationalGc } from '@pymem/gc-generational';
export { TrialDeletionGc } from '@pymem/gc-trial-deletion';
export { MarkSweepGc } from '@pymem/gc-marksweep';
export { createPool, PoolAllocator } from '@pymem/pool';
export { createTlsf, Tlsf } from '@pymem/tlsf';
export { createDebug, DebugAllocator, DebugMemoryError } from '@pymem/debug';
export { createTracemalloc, Tracemalloc } from '@pymem/tracemalloc';
export * from '@pymem/core';
