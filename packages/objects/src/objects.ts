/**
 * The built-in types of one runtime, registered in a fixed order, with their
 * immortal singletons (None, True, False, the small ints, the empty tuple).
 *
 * Reference conventions (CPython's C API, made uniform):
 * - every function that makes an object returns a *new* reference, which
 *   the caller owns and must decref;
 * - getters (`list.get`, `tuple.get`, `dict.get`, ...) return *borrowed*
 *   references, valid while the container holds them;
 * - containers never steal: storing an object increfs it (PyList_Append,
 *   PyDict_SetItem), removing one decrefs it, and removers that hand the
 *   object back (`list.pop`, `dict.pop`) return a new reference.
 * - an operation on an object of the wrong type throws ObjectTypeError
 *   before changing anything.
 */
import { OB_TYPE, OB_TYPE_ID_MASK, ObjectTypeError, TypeFlags, formatPtr, type Ptr } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';
import { BytesOps } from './bytes.js';
import { convertFromJS, convertToJS, type FromJSOptions, type JSValue } from './convert.js';
import { DictOps } from './dict.js';
import { FloatOps } from './float.js';
import { Instances } from './instance.js';
import { IntOps } from './int.js';
import { hashObject, objectsEqual } from './keys.js';
import { BOOL_BASIC_SIZE, BOOL_VALUE, NONE_BASIC_SIZE } from './layout.js';
import { ListOps } from './list.js';
import { StrOps } from './str.js';
import { TupleOps } from './tuple.js';

export class Objects {
  readonly rt: Runtime;
  readonly noneType: number;
  readonly boolType: number;
  /** The immortal None. */
  readonly None: Ptr;
  /** The immortal True and False. */
  readonly True: Ptr;
  readonly False: Ptr;
  readonly int: IntOps;
  readonly float: FloatOps;
  readonly bytes: BytesOps;
  readonly str: StrOps;
  readonly tuple: TupleOps;
  readonly list: ListOps;
  readonly dict: DictOps;
  /** User classes: `defineClass`, attributes, fixed slots, finalizers. */
  readonly instances: Instances;

  constructor(rt: Runtime) {
    this.rt = rt;
    this.noneType = rt.registerType({ name: 'NoneType', basicSize: NONE_BASIC_SIZE, flags: TypeFlags.IMMORTAL_CAPABLE });
    this.boolType = rt.registerType({ name: 'bool', basicSize: BOOL_BASIC_SIZE, flags: TypeFlags.IMMORTAL_CAPABLE });
    this.None = this.immortal(rt.newObject(this.noneType));
    this.False = this.immortal(rt.newObject(this.boolType));
    this.True = this.immortal(rt.newObject(this.boolType));
    rt.heap.u32[(this.True + BOOL_VALUE) >>> 2] = 1;
    this.int = new IntOps(this);
    this.float = new FloatOps(this);
    this.bytes = new BytesOps(this);
    this.str = new StrOps(this);
    this.tuple = new TupleOps(this);
    this.list = new ListOps(this);
    this.dict = new DictOps(this);
    this.instances = new Instances(this);
  }

  /** True or False, as a borrowed reference to the immortal singleton. */
  bool(value: boolean): Ptr {
    return value ? this.True : this.False;
  }

  /** hash(obj): ObjectTypeError for unhashable objects (list, dict, instances without a hash). */
  hash(obj: Ptr): number {
    return hashObject(this, obj);
  }

  /** obj1 == obj2 by value, as dict keys compare. */
  equals(a: Ptr, b: Ptr): boolean {
    return objectsEqual(this, a, b);
  }

  /** A JS value from an object graph (cycles preserved). See convert.ts for the mapping. */
  toJS(obj: Ptr): JSValue {
    return convertToJS(this, obj);
  }

  /** A new object graph from a JS value; returns a new reference. */
  fromJS(value: unknown, options?: FromJSOptions): Ptr {
    return convertFromJS(this, value, options);
  }

  /**
   * CPython's MAINTAIN_TRACKING: a collector may untrack a container whose
   * contents were all atomic (UNTRACK_WHEN_ATOMIC: tuples, dicts); storing
   * `child` in it, when `child` may be part of a cycle, makes it tracked
   * again, or a cycle through it would never be found. NULL children are
   * ignored.
   */
  maintainTracking(container: Ptr, child: Ptr): void {
    if (!this.mayBeTracked(child)) return;
    const gc = this.rt.gc;
    if (!gc.isTracked(container)) gc.track(container);
  }

  /** _PyObject_GC_MAY_BE_TRACKED: a GC object, and for a tuple a tracked one (an untracked tuple stays atomic). */
  private mayBeTracked(p: Ptr): boolean {
    if (p === 0) return false;
    const rt = this.rt;
    const typeId = rt.heap.u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK;
    if (rt.types[typeId]!.headSize === 0) return false;
    return typeId !== this.tuple.type || rt.gc.isTracked(p);
  }

  /** Throw ObjectTypeError unless `obj` is of type `typeId`; `what` names the operation. */
  expect(obj: Ptr, typeId: number, what: string): void {
    if (this.rt.typeIdOf(obj) !== typeId) this.wrongType(obj, typeId, what);
  }

  /** The cold half of expect: build the message. */
  wrongType(obj: Ptr, typeId: number, what: string): never {
    const expected = this.rt.registry.get(typeId).name;
    const actual = this.rt.typeOf(obj).name;
    throw new ObjectTypeError(obj, `${what}: expected a '${expected}' object, got '${actual}' at ${formatPtr(obj)}`);
  }

  private immortal(ptr: Ptr): Ptr {
    this.rt.makeImmortal(ptr);
    return ptr;
  }
}
