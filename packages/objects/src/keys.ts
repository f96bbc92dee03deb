/**
 * hash() and == for dict keys (and list.indexOf, tuple equality): one switch
 * on the type id per call, dispatching to the type's own ops. A switch, not
 * a Map of functions, so the call sites stay monomorphic.
 *
 * Hashable: int, float, bool, None, str, bytes, and tuples of hashables.
 * Everything else (list, dict, instances, weakrefs) is unhashable:
 * ObjectTypeError "unhashable type: 'list'", as CPython's TypeError.
 *
 * Equality follows Python's `==` for these types:
 * - identity first (`x is y` implies `x == y` in containers, even for NaN,
 *   as CPython's containers assume);
 * - numbers compare by value across int, float and bool: 1 == 1.0 == True,
 *   and so hash alike (hash(True) == hash(1) == hash(1.0) == 1);
 * - str, bytes, tuple, list and dict compare by value; anything else
 *   (None, instances) by identity only.
 *
 * Invariant (what dicts rely on): objectsEqual(a, b) implies
 * hashObject(a) === hashObject(b) for hashable a and b.
 *
 * Tricky: equality of lists, tuples and dicts recurses into their items; a
 * container that holds itself compares by identity at that level, but two
 * distinct self-nested containers recurse without end (CPython raises
 * RecursionError there; here the JS stack overflows).
 */
import { ObjectTypeError, formatPtr, type Ptr } from '@pymem/core';
import { BOOL_VALUE } from './layout.js';
import type { Objects } from './objects.js';

/**
 * hash(None): CPython 3.12+ gives None a constant hash (0xFCA86420); as a
 * 32-bit signed hash that is -56073184.
 */
export const NONE_HASH = 0xfca86420 | 0;

/** hash(obj) as a 32-bit signed integer, never -1. ObjectTypeError for unhashable objects. */
export function hashObject(o: Objects, obj: Ptr): number {
  const t = o.rt.typeIdOf(obj);
  switch (t) {
    case o.str.type:
      return o.str.hash(obj);
    case o.int.type:
      return o.int.hash(obj);
    case o.tuple.type:
      return o.tuple.hash(obj);
    case o.float.type:
      return o.float.hash(obj);
    case o.bytes.type:
      return o.bytes.hash(obj);
    case o.boolType:
      return o.rt.heap.u32[(obj + BOOL_VALUE) >>> 2];
    case o.noneType:
      return NONE_HASH;
    default:
      return unhashable(o, obj);
  }
}

/** a == b by value (see the header). Never throws for live objects. */
export function objectsEqual(o: Objects, a: Ptr, b: Ptr): boolean {
  if (a === b) return true;
  const ta = o.rt.typeIdOf(a);
  const tb = o.rt.typeIdOf(b);
  if (ta === tb) return sameTypeEqual(o, ta, a, b);
  return isNumber(o, ta) && isNumber(o, tb) && numbersEqual(numberValue(o, ta, a), numberValue(o, tb, b));
}

function sameTypeEqual(o: Objects, t: number, a: Ptr, b: Ptr): boolean {
  switch (t) {
    case o.str.type:
      return o.str.equals(a, b);
    case o.int.type:
      return o.int.equals(a, b);
    case o.float.type:
      return o.float.equals(a, b);
    case o.bytes.type:
      return o.bytes.equals(a, b);
    case o.tuple.type:
      return o.tuple.equals(a, b);
    case o.list.type:
      return o.list.equals(a, b);
    case o.dict.type:
      return o.dict.equals(a, b);
    default:
      // None and bool are singletons per value; instances compare by identity.
      return false;
  }
}

function isNumber(o: Objects, t: number): boolean {
  return t === o.int.type || t === o.float.type || t === o.boolType;
}

/** The value of an int, float or bool: a number, or a bigint for ints beyond 2^53. */
function numberValue(o: Objects, t: number, obj: Ptr): number | bigint {
  if (t === o.boolType) return o.rt.heap.u32[(obj + BOOL_VALUE) >>> 2];
  if (t === o.float.type) return o.float.value(obj);
  return o.int.value(obj);
}

/** Exact numeric equality: a bigint equals only an integral number of the same value. */
function numbersEqual(x: number | bigint, y: number | bigint): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x === y;
  const big = typeof x === 'bigint' ? x : (y as bigint);
  const num = typeof x === 'number' ? x : (y as number);
  return Number.isInteger(num) && BigInt(num) === big;
}

function unhashable(o: Objects, obj: Ptr): never {
  throw new ObjectTypeError(obj, `unhashable type: '${o.rt.typeOf(obj).name}' (object at ${formatPtr(obj)})`);
}
