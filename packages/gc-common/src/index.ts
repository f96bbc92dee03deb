/**
 * @pymem/gc-common: what pymem's cycle collectors share. The GC-head
 * encoding and list primitives (gc-head.ts), CPython's deduction of the
 * unreachable set (unreachable.ts), and the disposal of garbage: weakrefs,
 * finalizers, resurrection, clear (garbage.ts).
 */
export * from './gc-head.js';
export { UnreachableFinder } from './unreachable.js';
export { GarbageDisposer, type DisposeOptions, type DisposeResult } from './garbage.js';
