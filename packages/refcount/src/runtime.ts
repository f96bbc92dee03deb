/**
 * The refcount runtime: objects in a heap, counted references, dealloc
 * dispatch through the type registry, and a pluggable cycle collector.
 *
 * ## Object layout (offsets from the object pointer, like a PyObject*)
 *
 * ```
 *   block ──> +---------------------------+  GC types only (headSize 8):
 *             | gc_next  (u32)            |  owned by the GC strategy,
 *             | gc_prev  (u32)            |  zero at creation
 *   ptr ────> +===========================+
 *             | ob_refcnt (i32)           |  1 at creation; IMMORTAL_REFCNT pins it
 *             | ob_type   (u32)           |  flags << 24 | type id
 *             +---------------------------+
 *             | payload: basicSize - 8    |  zero at creation
 *             | + extraBytes              |
 *             +---------------------------+
 * ```
 *
 * ## Life of an object
 *
 * ```
 *   newObject ─> refcount 1 ─(incref/decref)─> refcount 0 ─> untrack (GC types)
 *      ─> finalizer, once (may resurrect: refcount > 0 again, object lives on)
 *      ─> weakrefs cleared, their callbacks run
 *      ─> type's dealloc (drops children) ─> gc.onDestroy ─> block freed
 * ```
 *
 * Deallocation never recurses: an object whose refcount reaches zero while
 * another is being deallocated waits on the trashcan stack (deferred.ts), and
 * the outermost dealloc drains it. Freeing a chain 10^6 deep costs constant
 * JS stack.
 *
 * ## Checked mode (default)
 * Every incref/decref/refcount first asks the object map whether the pointer
 * is a live object and throws InvalidObjectError or RefcountError before
 * touching anything. Unchecked mode skips that for speed and trusts callers,
 * as CPython's Py_DECREF does.
 */
import {
  IMMORTAL_REFCNT,
  InvalidObjectError,
  InvalidSizeError,
  ObjectTypeError,
  OB_FLAG_FINALIZED,
  OB_REFCNT,
  OB_TYPE,
  OB_TYPE_ID_MASK,
  RefcountError,
  TypeFlags,
  UnknownTypeError,
  formatPtr,
  type Allocator,
  type GcHost,
  type GcResult,
  type GcStrategy,
  type Heap,
  type Ptr,
  type TypeObject,
  type TypeSpec,
  type VisitProc,
} from '@pymem/core';
import { TypeRegistry } from '@pymem/registry';
import { DeferredStack } from './deferred.js';
import { NoGc } from './no-gc.js';
import { ObjectMap } from './object-map.js';
import {
  CallbackTable,
  WEAKREF_BASIC_SIZE,
  WR_CALLBACK,
  WR_NEXT,
  WR_OBJECT,
  linkAfterHead,
  linkAtHead,
  unlink,
  type WeakrefCallback,
} from './weakref.js';

/** Objects are 8-byte aligned: the low bits of a valid object pointer are zero. */
const OBJECT_ALIGN_MASK = 7;
/** Zero small objects word by word; hand larger ones to TypedArray.fill. */
const ZERO_LOOP_MAX_WORDS = 32;

export interface RuntimeOptions {
  /** Where objects live. Every object is one block of this allocator. */
  allocator: Allocator;
  /** The cycle collector (default: `none`, refcounting alone). One strategy serves one runtime. */
  gc?: GcStrategy;
  /**
   * Validate every pointer handed to incref/decref/refcount and friends
   * (default true). Costs a few ns per call; off, misuse corrupts the heap.
   */
  checks?: boolean;
  /**
   * Where errors go that cannot propagate: a finalizer or weakref callback
   * that throws (CPython's "Exception ignored in ..."). Default: console.error.
   */
  onUnraisable?: (error: unknown, where: string) => void;
}

/** Counts a runtime keeps as it goes. */
export interface RuntimeStats {
  /** Objects created and not yet freed (immortal ones included). */
  liveObjects: number;
  /** Objects created since the runtime started. */
  createdObjects: number;
  /** Objects freed since the runtime started. */
  freedObjects: number;
  /** Live weak references. */
  liveWeakrefs: number;
}

export class Runtime implements GcHost {
  readonly heap: Heap;
  readonly allocator: Allocator;
  readonly registry = new TypeRegistry();
  readonly gc: GcStrategy;
  readonly checks: boolean;
  /** Type id of `weakref`, registered first by every runtime. */
  readonly weakrefType: number;

  /** The registry's types by id (GcHost): index 0 is null. */
  readonly types: readonly (TypeObject | null)[];
  private readonly gcWantsDecref: boolean;
  private readonly objectMap: ObjectMap | null;
  private readonly deferred = new DeferredStack();
  private readonly callbacks = new CallbackTable();
  private readonly unraisableHook: (error: unknown, where: string) => void;
  /** True while a dealloc (or the drain of the trashcan) is running. */
  private deallocating = false;
  private created = 0;
  private freed = 0;
  private weakrefs = 0;

  constructor(options: RuntimeOptions) {
    this.allocator = options.allocator;
    this.heap = options.allocator.heap;
    this.gc = options.gc ?? new NoGc();
    this.checks = options.checks ?? true;
    this.objectMap = this.checks ? new ObjectMap() : null;
    this.unraisableHook = options.onUnraisable ?? defaultUnraisable;
    this.types = this.registry.types;
    this.gcWantsDecref = this.gc.wantsDecref;
    this.weakrefType = this.registerWeakrefType();
    this.gc.attach(this);
  }

  // ---------------------------------------------------------------- types

  /** Register a type (see TypeSpec); returns its id. TypeRegistrationError on a taken name or a bad spec. */
  registerType(spec: TypeSpec): number {
    return this.registry.register(spec);
  }

  /** The type of a live object. */
  typeOf(ptr: Ptr): TypeObject {
    if (this.objectMap !== null) this.checkLive(ptr);
    return this.types[this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
  }

  /** The type id of a live object (hot path: no lookup). */
  typeIdOf(ptr: Ptr): number {
    if (this.objectMap !== null) this.checkLive(ptr);
    return this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK;
  }

  isGc(ptr: Ptr): boolean {
    return this.typeOf(ptr).headSize !== 0;
  }

  // ------------------------------------------------------------- creation

  /**
   * A new object of type `typeId` with `extraBytes` after its basic size
   * (for variable-size types). Refcount 1, payload zeroed, tracked by the GC
   * strategy when the type is a GC type. UnknownTypeError, InvalidSizeError
   * or the allocator's OutOfMemoryError on bad input; nothing changes then.
   */
  newObject(typeId: number, extraBytes = 0): Ptr {
    const type = typeId > 0 && typeId < this.types.length ? this.types[typeId]! : null;
    if (type === null) throw new UnknownTypeError(typeId);
    if (extraBytes >>> 0 !== extraBytes) throw new InvalidSizeError(extraBytes, 'extraBytes must be a non-negative integer');
    const head = type.headSize;
    const size = head + type.basicSize + extraBytes;
    const block = this.allocator.malloc(size);
    zeroBytes(this.heap, block, size);
    const ptr = block + head;
    const u32 = this.heap.u32;
    this.heap.i32[(ptr + OB_REFCNT) >>> 2] = 1;
    u32[(ptr + OB_TYPE) >>> 2] = typeId;
    this.created++;
    if (this.objectMap !== null) this.objectMap.markLive(ptr);
    if (head !== 0) this.gc.onCreate(ptr);
    return ptr;
  }

  // ------------------------------------------------------------ refcounts

  incref(ptr: Ptr): void {
    if (this.objectMap !== null) this.checkCounted(ptr, 'incref');
    const i32 = this.heap.i32;
    const i = ptr >>> 2;
    const count = i32[i];
    if (count < IMMORTAL_REFCNT) i32[i] = count + 1;
  }

  decref(ptr: Ptr): void {
    if (this.objectMap !== null) this.checkCounted(ptr, 'decref');
    const i32 = this.heap.i32;
    const i = ptr >>> 2;
    const count = i32[i];
    if (count >= IMMORTAL_REFCNT) return;
    if (count > 1) {
      i32[i] = count - 1;
      if (this.gcWantsDecref) this.notifyDecref(ptr, count - 1);
      return;
    }
    i32[i] = 0;
    this.refcountReachedZero(ptr);
  }

  /** incref, ignoring NULL (Py_XINCREF). */
  xincref(ptr: Ptr): void {
    if (ptr !== 0) this.incref(ptr);
  }

  /** decref, ignoring NULL (Py_XDECREF). */
  xdecref(ptr: Ptr): void {
    if (ptr !== 0) this.decref(ptr);
  }

  /** The object's reference count (IMMORTAL_REFCNT for immortal objects). */
  refcount(ptr: Ptr): number {
    if (this.objectMap !== null) this.checkLive(ptr);
    return this.heap.i32[ptr >>> 2];
  }

  // ------------------------------------------------------------ immortals

  /**
   * Make an object immortal (PEP 683): its refcount is pinned, incref and
   * decref leave it alone, and it is never freed. GC objects are untracked.
   */
  makeImmortal(ptr: Ptr): void {
    const type = this.typeOf(ptr);
    this.heap.i32[ptr >>> 2] = IMMORTAL_REFCNT;
    if (type.headSize !== 0) this.gc.untrack(ptr);
  }

  isImmortal(ptr: Ptr): boolean {
    return this.refcount(ptr) >= IMMORTAL_REFCNT;
  }

  // ----------------------------------------------------------- finalizers

  /** Whether the object's finalizer has run (PEP 442: it runs at most once). */
  isFinalized(ptr: Ptr): boolean {
    if (this.objectMap !== null) this.checkLive(ptr);
    return (this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_FLAG_FINALIZED) !== 0;
  }

  /** GcHost: run the finalizer if it has not run, with the object increfed around it. */
  finalize(ptr: Ptr): boolean {
    const type = this.typeOf(ptr);
    if (type.finalize === null || this.isFinalized(ptr)) return false;
    this.markFinalized(ptr);
    this.incref(ptr);
    this.callFinalizer(type, ptr);
    this.decref(ptr);
    return true;
  }

  // -------------------------------------------------------------- weakrefs

  /**
   * A weak reference to `obj`, whose type must be weakrefable (have a
   * weaklistOffset). It does not keep `obj` alive; once `obj` is freed,
   * `weakrefGet` reads NULL and `callback(weakref)` runs. Without a
   * callback, an existing plain weakref is returned (increfed), as
   * `weakref.ref(o) is weakref.ref(o)` in CPython. The caller owns the
   * returned reference.
   */
  newWeakref(obj: Ptr, callback?: WeakrefCallback): Ptr {
    const type = this.typeOf(obj);
    if (type.weaklistOffset === 0) throw new ObjectTypeError(obj, `cannot create weak reference to '${type.name}' object`);
    if (callback !== undefined && typeof callback !== 'function') {
      throw new ObjectTypeError(obj, 'a weakref callback must be a function');
    }
    const headIndex = (obj + type.weaklistOffset) >>> 2;
    const head = this.heap.u32[headIndex];
    if (callback === undefined && head !== 0 && this.heap.u32[(head + WR_CALLBACK) >>> 2] === 0) {
      this.incref(head);
      return head;
    }
    const wr = this.newObject(this.weakrefType);
    const u32 = this.heap.u32;
    u32[(wr + WR_OBJECT) >>> 2] = obj;
    u32[(wr + WR_CALLBACK) >>> 2] = callback === undefined ? 0 : this.callbacks.add(callback);
    const plainHeads = head !== 0 && u32[(head + WR_CALLBACK) >>> 2] === 0;
    if (callback !== undefined && plainHeads) linkAfterHead(u32, headIndex, wr);
    else linkAtHead(u32, headIndex, wr);
    this.weakrefs++;
    return wr;
  }

  /** The referent of a weakref, borrowed (no incref), or NULL (0) once it is dead. */
  weakrefGet(weakref: Ptr): Ptr {
    this.expectWeakref(weakref);
    return this.heap.u32[(weakref + WR_OBJECT) >>> 2];
  }

  /** Number of live weakrefs to `obj` (weakref.getweakrefcount). */
  weakrefCount(obj: Ptr): number {
    return this.weakrefsTo(obj).length;
  }

  /** GcHost: the weakrefs to `obj`, head first. */
  weakrefsTo(obj: Ptr): Ptr[] {
    const type = this.typeOf(obj);
    const result: Ptr[] = [];
    if (type.weaklistOffset === 0) return result;
    const u32 = this.heap.u32;
    for (let wr = u32[(obj + type.weaklistOffset) >>> 2]; wr !== 0; wr = u32[(wr + WR_NEXT) >>> 2]!) result.push(wr);
    return result;
  }

  /** GcHost: whether a weakref has a callback. */
  weakrefHasCallback(weakref: Ptr): boolean {
    this.expectWeakref(weakref);
    return this.heap.u32[(weakref + WR_CALLBACK) >>> 2] !== 0;
  }

  /** GcHost: detach a weakref from its referent without calling its callback. */
  clearWeakref(weakref: Ptr): void {
    this.expectWeakref(weakref);
    const obj = this.heap.u32[(weakref + WR_OBJECT) >>> 2];
    if (obj === 0) return;
    const offset = this.types[this.heap.u32[(obj + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.weaklistOffset;
    unlink(this.heap.u32, (obj + offset) >>> 2, weakref);
  }

  /** GcHost: run a weakref's callback (if any) with the weakref kept alive around it. */
  callWeakrefCallback(weakref: Ptr): void {
    this.expectWeakref(weakref);
    const fn = this.callbacks.get(this.heap.u32[(weakref + WR_CALLBACK) >>> 2]);
    if (fn === null) return;
    this.incref(weakref);
    try {
      fn(weakref);
    } catch (error) {
      this.unraisable(error, `weakref callback of ${formatPtr(weakref)}`);
    }
    this.decref(weakref);
  }

  // ------------------------------------------------------------------- GC

  /** Run the GC strategy's collection (`generation` for generational ones). */
  collect(generation?: number): GcResult {
    return this.gc.collect(generation);
  }

  track(ptr: Ptr): void {
    if (this.typeOf(ptr).headSize !== 0) this.gc.track(ptr);
  }

  untrack(ptr: Ptr): void {
    if (this.typeOf(ptr).headSize !== 0) this.gc.untrack(ptr);
  }

  isTracked(ptr: Ptr): boolean {
    return this.typeOf(ptr).headSize !== 0 && this.gc.isTracked(ptr);
  }

  /** GcHost: walk an object's strong references with its type's traverse. */
  traverse(ptr: Ptr, visit: VisitProc, arg: number): number {
    const traverse = this.types[this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.traverse;
    return traverse === null ? 0 : traverse(ptr, visit, arg);
  }

  /** GcHost: call the type's clear slot. */
  clear(ptr: Ptr): void {
    const clear = this.typeOf(ptr).clear;
    if (clear !== null) clear(this, ptr);
  }

  /** GcHost: report an error that cannot propagate. */
  unraisable(error: unknown, where: string): void {
    this.unraisableHook(error, where);
  }

  // ------------------------------------------------------------ checking

  /** Whether `ptr` is a live object. Exact in checked mode; unchecked, a plausibility test of its header. */
  isObject(ptr: Ptr): boolean {
    if (!isPlausiblePointer(ptr, this.heap.byteLength)) return false;
    if (this.objectMap !== null) return this.objectMap.isLive(ptr);
    const typeId = this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK;
    return typeId > 0 && typeId < this.types.length && this.heap.i32[ptr >>> 2] > 0;
  }

  stats(): RuntimeStats {
    return {
      liveObjects: this.created - this.freed,
      createdObjects: this.created,
      freedObjects: this.freed,
      liveWeakrefs: this.weakrefs,
    };
  }

  // ------------------------------------------------------------- private

  private notifyDecref(ptr: Ptr, newCount: number): void {
    const type = this.types[this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
    if (type.headSize !== 0) this.gc.onDecref(ptr, newCount);
  }

  /** Refcount just hit zero: untrack, then deallocate now or (inside a dealloc) later. */
  private refcountReachedZero(ptr: Ptr): void {
    const type = this.types[this.heap.u32[(ptr + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
    if (type.headSize !== 0) this.gc.untrack(ptr);
    if (this.deallocating) this.deferred.push(ptr);
    else this.drain(ptr);
  }

  /** Deallocate `first`, then everything its deallocation parks on the trashcan stack. */
  private drain(first: Ptr): void {
    this.deallocating = true;
    try {
      this.destroy(first);
      while (this.deferred.length > 0) this.destroy(this.deferred.pop());
    } finally {
      this.deallocating = false;
    }
  }

  private destroy(ptr: Ptr): void {
    const typeWord = this.heap.u32[(ptr + OB_TYPE) >>> 2];
    const type = this.types[typeWord & OB_TYPE_ID_MASK]!;
    if (type.finalize !== null && (typeWord & OB_FLAG_FINALIZED) === 0 && this.finalizeFromDealloc(type, ptr)) return;
    if (type.weaklistOffset !== 0 && this.heap.u32[(ptr + type.weaklistOffset) >>> 2] !== 0) {
      this.clearWeakrefsOnDealloc(ptr, type.weaklistOffset);
    }
    if (type.dealloc !== null) type.dealloc(this, ptr);
    if (type.headSize !== 0) this.gc.onDestroy(ptr);
    this.freeObject(ptr, type);
  }

  /**
   * PEP 442 from dealloc: the object is revived (refcount 1, tracked) for the
   * finalizer's call. Returns true when the finalizer resurrected it.
   */
  private finalizeFromDealloc(type: TypeObject, ptr: Ptr): boolean {
    const gc = type.headSize !== 0;
    this.markFinalized(ptr);
    this.heap.i32[ptr >>> 2] = 1;
    if (gc) this.gc.track(ptr);
    this.callFinalizer(type, ptr);
    if (gc) this.gc.untrack(ptr);
    const i32 = this.heap.i32;
    const count = i32[ptr >>> 2] - 1;
    i32[ptr >>> 2] = count;
    if (count <= 0) return false;
    if (gc) this.gc.track(ptr);
    return true;
  }

  private callFinalizer(type: TypeObject, ptr: Ptr): void {
    try {
      type.finalize!(this, ptr);
    } catch (error) {
      this.unraisable(error, `finalizer of ${type.name} object at ${formatPtr(ptr)}`);
    }
  }

  private markFinalized(ptr: Ptr): void {
    this.heap.u32[(ptr + OB_TYPE) >>> 2] |= OB_FLAG_FINALIZED;
  }

  /** The referent is dying: every weakref to it dies, then their callbacks run (PyObject_ClearWeakRefs). */
  private clearWeakrefsOnDealloc(obj: Ptr, weaklistOffset: number): void {
    const headIndex = (obj + weaklistOffset) >>> 2;
    const withCallback: Ptr[] = [];
    for (let wr = this.heap.u32[headIndex]; wr !== 0; wr = this.heap.u32[headIndex]!) {
      unlink(this.heap.u32, headIndex, wr);
      if (this.heap.u32[(wr + WR_CALLBACK) >>> 2] !== 0) {
        this.incref(wr);
        withCallback.push(wr);
      }
    }
    for (const wr of withCallback) {
      this.callWeakrefCallback(wr);
      this.decref(wr);
    }
  }

  private freeObject(ptr: Ptr, type: TypeObject): void {
    if (this.objectMap !== null) {
      this.objectMap.markFreed(ptr);
      this.heap.u32[(ptr + OB_TYPE) >>> 2] = 0;
    }
    this.freed++;
    this.allocator.free(ptr - type.headSize);
  }

  private registerWeakrefType(): number {
    return this.registry.register({
      name: 'weakref',
      basicSize: WEAKREF_BASIC_SIZE,
      flags: TypeFlags.GC,
      dealloc: (_ctx, wr) => this.deallocWeakref(wr),
    });
  }

  private deallocWeakref(wr: Ptr): void {
    this.clearWeakref(wr);
    this.callbacks.release(this.heap.u32[(wr + WR_CALLBACK) >>> 2]);
    this.weakrefs--;
  }

  private expectWeakref(ptr: Ptr): void {
    if (this.typeIdOf(ptr) !== this.weakrefType) {
      throw new ObjectTypeError(ptr, `expected a weakref, got '${this.typeOf(ptr).name}' object at ${formatPtr(ptr)}`);
    }
  }

  /** Checked mode: `ptr` is a live object. */
  private checkLive(ptr: Ptr): void {
    if (!isPlausiblePointer(ptr, this.heap.byteLength)) {
      throw new InvalidObjectError(ptr, 'objects are non-NULL, 8-byte aligned offsets inside the heap');
    }
    if (this.objectMap!.isLive(ptr)) return;
    if (this.objectMap!.wasFreed(ptr)) {
      throw new RefcountError(ptr, 'the object was already freed (its refcount reached zero)');
    }
    throw new InvalidObjectError(ptr, 'no object was created at this address');
  }

  /** Checked mode: `ptr` is a live object whose refcount may be changed. */
  private checkCounted(ptr: Ptr, op: string): void {
    this.checkLive(ptr);
    const count = this.heap.i32[ptr >>> 2];
    if (count <= 0) {
      throw new RefcountError(ptr, `${op} of an object whose refcount is ${count} (it is being deallocated)`);
    }
  }
}

function isPlausiblePointer(ptr: number, heapBytes: number): boolean {
  return typeof ptr === 'number' && Number.isInteger(ptr) && ptr > 0 && (ptr & OBJECT_ALIGN_MASK) === 0 && ptr < heapBytes;
}

/**
 * Zero exactly `size` bytes at `block` (whole words, then the byte tail: a
 * block's usable size is the allocator's business, and a debug allocator
 * guards the bytes right after the requested ones).
 */
function zeroBytes(heap: Heap, block: number, size: number): void {
  const words = size >>> 2;
  if (words > ZERO_LOOP_MAX_WORDS) {
    heap.u8.fill(0, block, block + size);
    return;
  }
  const i32 = heap.i32;
  const start = block >>> 2;
  for (let i = 0; i < words; i++) i32[start + i] = 0;
  const u8 = heap.u8;
  for (let b = block + (words << 2), end = block + size; b < end; b++) u8[b] = 0;
}

function defaultUnraisable(error: unknown, where: string): void {
  console.error(`Exception ignored in ${where}:`, error);
}
