export { Runtime, type RuntimeOptions, type RuntimeStats } from './runtime.js';
export { NoGc, noGc } from './no-gc.js';
export { WR_OBJECT, WR_CALLBACK, WR_NEXT, WR_PREV, WEAKREF_BASIC_SIZE, type WeakrefCallback } from './weakref.js';
export {
  InvalidObjectError,
  RefcountError,
  TypeFlags,
  IMMORTAL_REFCNT,
  type GcHost,
  type GcResult,
  type GcStrategy,
  type TypeObject,
  type TypeSpec,
} from '@pymem/core';
