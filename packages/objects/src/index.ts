/**
 * @pymem/objects: CPython's built-in types in a pymem heap. `new Objects(rt)`
 * registers them on a refcount runtime; the per-type operations hang off it
 * (`o.int`, `o.str`, `o.list`, `o.dict`, ...).
 */
export { Objects } from './objects.js';
export { IntOps, SMALL_INT_MIN, SMALL_INT_MAX } from './int.js';
export { FloatOps } from './float.js';
export { BytesOps } from './bytes.js';
export { StrOps, ENCODE_INTO_MIN_UNITS, DECODE_LOOP_MAX_BYTES } from './str.js';
export { TupleOps } from './tuple.js';
export { ListOps, listCapacity } from './list.js';
export { DictOps } from './dict.js';
export {
  DK_SIZE,
  DK_USABLE,
  DK_NENTRIES,
  DK_INDICES,
  ENTRY_HASH,
  ENTRY_KEY,
  ENTRY_VALUE,
  ENTRY_SIZE,
  DKIX_EMPTY,
  DKIX_DUMMY,
  DICT_MINSIZE,
  GROWTH_RATE,
  usableFraction,
  indexWidth,
  keysBlockBytes,
} from './dict-keys.js';
export { Instances, PyClass, AttributeError, type ClassSpec } from './instance.js';
export { convertToJS, convertFromJS, type JSValue, type JSInstance, type JSWeakref, type FromJSOptions } from './convert.js';
export { hashObject, objectsEqual, NONE_HASH } from './keys.js';
export * from './hash.js';
export * from './layout.js';
