/**
 * User classes: instances with an attribute dict or with fixed slots, and an
 * optional finalizer written in JS.
 *
 * Every `defineClass` registers one runtime type (a GC type, so a cycle
 * through instances can be collected). Its objects look like this:
 *
 * ```
 *   dict class (no `slots`)                 slot class (`slots: ['x', 'y']`)
 *   ptr-8  +--------------------+           ptr-8  +--------------------+
 *          | gc_next | gc_prev  |  GC head         | gc_next | gc_prev  |
 *   ptr    +====================+           ptr    +====================+
 *          | refcnt  | type     |  header          | refcnt  | type     |
 *   ptr+8  +--------------------+           ptr+8  +--------------------+
 *          | weaklist (u32)     |                  | weaklist (u32)     |
 *   ptr+12 +--------------------+           ptr+12 +--------------------+
 *          | dict (u32) --------+--> dict          | slot[0] 'x'  (u32) |
 *   ptr+16 +--------------------+   {str: obj}     | slot[1] 'y'  (u32) |
 *                                                  +--------------------+
 *   basicSize 16                            basicSize 12 + 4 * slots.length
 * ```
 *
 * - weaklist heads the object's weakrefs (the type's weaklistOffset), unless
 *   the class was defined with `weakrefable: false` (the word is then unused).
 * - dict is a real `dict` object owned by the instance (refcount 1, counted
 *   by `rt.stats()`), keyed by interned attribute names; 0 until the first
 *   setattr, and kept (possibly empty) after that, as in CPython.
 * - a slot holds a strong reference, or 0 while the attribute is unset.
 *
 * States of a slot (and of an attribute of a dict class):
 * ```
 *   unset (0) ──setattr──> set (ptr, increfed) ──delattr / clear / dealloc──> unset
 *                             └──setattr──> set (new ptr increfed, old decrefed)
 * ```
 *
 * Invariants:
 * - every non-zero dict / slot word is a strong reference the instance owns;
 * - the dict word is 0 or a live `dict` whose keys are all interned `str`s;
 * - a slot class has no dict: setting a name outside its slots is an error.
 *
 * Finalizers follow PEP 442: the runtime runs `finalize(o, self)` at most
 * once per object, before its weakrefs are cleared and before dealloc; the
 * finalizer may resurrect `self` by storing a new reference to it, and then
 * the object lives on, its finalizer never to run again.
 *
 * Errors: reading or deleting a missing attribute throws AttributeError
 * (ERR_ATTRIBUTE); setting a name that is not one of a slot class's slots
 * throws ObjectTypeError; a wrong object type throws ObjectTypeError. All
 * of them are thrown before anything changes.
 */
import {
  ObjectTypeError,
  PymemError,
  TypeFlags,
  TypeRegistrationError,
  formatPtr,
  type ObjectContext,
  type Ptr,
  type VisitProc,
} from '@pymem/core';
import { INSTANCE_DICT, INSTANCE_SLOTS, INSTANCE_WEAKLIST, WORD } from './layout.js';
import type { Objects } from './objects.js';

/** basicSize of a dict class: the header, the weaklist and the dict word. */
const DICT_CLASS_BASIC_SIZE = INSTANCE_DICT + WORD;
/** Word shift: slot index -> byte offset. */
const WORD_SHIFT = 2;

/** What `defineClass` takes. */
export interface ClassSpec {
  /** The type's name, unique in the runtime (built-in names such as `list` are taken). */
  name: string;
  /**
   * Fixed attribute names (CPython's `__slots__`): the instance stores one
   * word per slot and has no attribute dict.
   * @defaultValue undefined (an attribute dict)
   */
  slots?: readonly string[];
  /**
   * Runs at most once, when the instance's refcount reaches zero (or a
   * collector finds it in garbage). It may resurrect `self`. Errors it
   * throws go to the runtime's `onUnraisable`.
   * @defaultValue undefined (no finalizer)
   */
  finalize?: (o: Objects, self: Ptr) => void;
  /**
   * Whether `rt.newWeakref(instance)` is allowed.
   * @defaultValue true
   */
  weakrefable?: boolean;
}

/** A missing attribute was read or deleted (CPython's AttributeError). */
export class AttributeError extends PymemError {
  readonly ptr: number;
  readonly attribute: string;
  constructor(ptr: number, attribute: string, message: string) {
    super('ERR_ATTRIBUTE', message);
    this.ptr = ptr;
    this.attribute = attribute;
  }
}

/** One user class: makes its instances and reads and writes their attributes. */
export class PyClass {
  readonly typeId: number;
  readonly name: string;
  /** The slot names, or null for a class with an attribute dict. */
  readonly slots: readonly string[] | null;
  private readonly o: Objects;
  /** Slot name -> slot index (null for a dict class). */
  private readonly slotIndex: ReadonlyMap<string, number> | null;

  /** @internal Use `o.instances.defineClass`. */
  constructor(o: Objects, spec: ClassSpec) {
    const slots = checkSpec(spec);
    this.o = o;
    this.name = spec.name;
    this.slots = slots === null ? null : Object.freeze(slots.slice());
    this.slotIndex = slots === null ? null : new Map(slots.map((name, i) => [name, i]));
    this.typeId = o.rt.registerType(this.typeSpec(spec));
  }

  /** Whether `obj` is an instance of this class (exactly: there is no subclassing). */
  isInstance(obj: Ptr): boolean {
    return this.o.rt.typeIdOf(obj) === this.typeId;
  }

  /**
   * A new instance (new reference) with the given attributes, each increfed.
   * Names outside a slot class's slots throw ObjectTypeError and a value that
   * is not a live object throws InvalidObjectError, before anything is made.
   * A dict class fills its attribute dict before making the instance, so
   * running out of memory midway releases the dict and never finalizes a
   * half-made instance.
   */
  new(attrs?: Readonly<Record<string, Ptr>>): Ptr {
    const names = attrs === undefined ? [] : Object.keys(attrs);
    for (const name of names) this.checkSettable(0, name, attrs![name]);
    const rt = this.o.rt;
    if (this.slotIndex !== null || names.length === 0) {
      const obj = rt.newObject(this.typeId);
      for (const name of names) this.store(obj, name, attrs![name]); // slots: increfs only, cannot fail
      return obj;
    }
    const dict = this.o.dict.new();
    let obj = 0;
    try {
      for (const name of names) this.o.dict.set(dict, this.o.str.intern(name), attrs![name]);
      obj = rt.newObject(this.typeId);
    } catch (error) {
      rt.decref(dict);
      throw error;
    }
    rt.heap.u32[(obj + INSTANCE_DICT) >>> WORD_SHIFT] = dict; // the dict's reference passes to the instance
    return obj;
  }

  /** The attribute's value, borrowed. AttributeError when it is not set. */
  getattr(obj: Ptr, name: string): Ptr {
    this.o.expect(obj, this.typeId, `${this.name}.getattr`);
    const value = this.lookup(obj, name);
    if (value === 0) this.missing(obj, name);
    return value;
  }

  /** Whether the attribute is set. */
  hasattr(obj: Ptr, name: string): boolean {
    this.o.expect(obj, this.typeId, `${this.name}.hasattr`);
    return this.lookup(obj, name) !== 0;
  }

  /**
   * Set an attribute: the value is increfed and stored, then the old value
   * (if any) decrefed. ObjectTypeError for a name outside a slot class's
   * slots; the first setattr of a dict class allocates its dict.
   */
  setattr(obj: Ptr, name: string, value: Ptr): void {
    this.o.expect(obj, this.typeId, `${this.name}.setattr`);
    this.checkSettable(obj, name, value);
    this.store(obj, name, value);
  }

  /** Remove an attribute, decrefing its value. AttributeError when it is not set. */
  delattr(obj: Ptr, name: string): void {
    this.o.expect(obj, this.typeId, `${this.name}.delattr`);
    if (this.lookup(obj, name) === 0) this.missing(obj, name);
    if (this.slotIndex === null) {
      this.o.dict.deleteStr(this.dictWord(obj), name);
      return;
    }
    const at = slotWord(obj, this.slotIndex.get(name)!);
    const old = this.o.rt.heap.u32[at];
    this.o.rt.heap.u32[at] = 0;
    this.o.rt.decref(old);
  }

  /** The names of the attributes that are set: insertion order for a dict class, slot order for a slot class. */
  attrs(obj: Ptr): string[] {
    this.o.expect(obj, this.typeId, `${this.name}.attrs`);
    if (this.slots === null) {
      const dict = this.dictWord(obj);
      if (dict === 0) return [];
      return this.o.dict.entries(dict).map(([key]) => this.o.str.value(key));
    }
    const u32 = this.o.rt.heap.u32;
    return this.slots.filter((_name, i) => u32[slotWord(obj, i)] !== 0);
  }

  /** The instance's attribute dict (borrowed), or 0: a slot class, or no attribute set yet. */
  dictOf(obj: Ptr): Ptr {
    this.o.expect(obj, this.typeId, `${this.name}.dictOf`);
    return this.slots === null ? this.dictWord(obj) : 0;
  }

  // ------------------------------------------------------------- private

  /** The value stored under `name`, borrowed, or 0. Names outside the slots read as unset. */
  private lookup(obj: Ptr, name: string): Ptr {
    if (typeof name !== 'string') throw new ObjectTypeError(obj, `attribute name must be a string, not ${typeof name}`);
    if (this.slotIndex === null) {
      const dict = this.dictWord(obj);
      return dict === 0 ? 0 : this.o.dict.getStr(dict, name);
    }
    const index = this.slotIndex.get(name);
    return index === undefined ? 0 : this.o.rt.heap.u32[slotWord(obj, index)];
  }

  /** Store without checks (they were made): the dict path may allocate. */
  private store(obj: Ptr, name: string, value: Ptr): void {
    const rt = this.o.rt;
    if (this.slotIndex === null) {
      let dict = this.dictWord(obj);
      if (dict === 0) {
        dict = this.o.dict.new();
        rt.heap.u32[(obj + INSTANCE_DICT) >>> WORD_SHIFT] = dict; // views re-read: dict.new may grow the heap
      }
      this.o.dict.set(dict, this.o.str.intern(name), value);
      return;
    }
    const at = slotWord(obj, this.slotIndex.get(name)!);
    rt.incref(value);
    const old = rt.heap.u32[at];
    rt.heap.u32[at] = value;
    rt.xdecref(old);
  }

  /** Throw (before any change) unless `name` may be set to `value`. */
  private checkSettable(obj: Ptr, name: string, value: Ptr): void {
    if (typeof name !== 'string') throw new ObjectTypeError(obj, `attribute name must be a string, not ${typeof name}`);
    if (this.slotIndex !== null && !this.slotIndex.has(name)) {
      const where = obj === 0 ? '' : ` at ${formatPtr(obj)}`;
      throw new ObjectTypeError(
        obj,
        `'${this.name}' object${where} has no attribute '${name}' and cannot get one: its slots are [${this.slots!.join(', ')}]`,
      );
    }
    this.o.rt.typeIdOf(value); // checked mode: InvalidObjectError unless `value` is a live object
  }

  private dictWord(obj: Ptr): Ptr {
    return this.o.rt.heap.u32[(obj + INSTANCE_DICT) >>> WORD_SHIFT];
  }

  private missing(obj: Ptr, name: string): never {
    throw new AttributeError(obj, name, `'${this.name}' object at ${formatPtr(obj)} has no attribute '${name}'`);
  }

  /** The runtime type: GC slots that walk the dict word or the slot words. */
  private typeSpec(spec: ClassSpec) {
    const o = this.o;
    const words = this.slots === null ? 1 : this.slots.length;
    const first = this.slots === null ? INSTANCE_DICT : INSTANCE_SLOTS;
    const finalize = spec.finalize;
    return {
      name: spec.name,
      basicSize: this.slots === null ? DICT_CLASS_BASIC_SIZE : INSTANCE_SLOTS + words * WORD,
      flags: TypeFlags.GC,
      weaklistOffset: spec.weakrefable === false ? 0 : INSTANCE_WEAKLIST,
      dealloc: (ctx: ObjectContext, ptr: Ptr) => releaseWords(ctx, ptr + first, words),
      clear: (ctx: ObjectContext, ptr: Ptr) => releaseWords(ctx, ptr + first, words),
      traverse: (ptr: Ptr, visit: VisitProc, arg: number) => traverseWords(o.rt.heap.u32, ptr + first, words, visit, arg),
      finalize: finalize === undefined ? undefined : (_ctx: ObjectContext, ptr: Ptr) => finalize(o, ptr),
    };
  }
}

/**
 * The user classes of one runtime (`o.instances`): defines them and finds
 * the class of an instance.
 */
export class Instances {
  private readonly byId = new Map<number, PyClass>();
  private readonly byName = new Map<string, PyClass>();

  constructor(readonly o: Objects) {}

  /**
   * Register a class (one runtime type). TypeRegistrationError when the name
   * is taken (user classes and built-in types share one namespace) or the
   * spec is malformed (slots not distinct non-empty strings, finalize not a
   * function); nothing is registered then.
   */
  defineClass(spec: ClassSpec): PyClass {
    const cls = new PyClass(this.o, spec);
    this.byId.set(cls.typeId, cls);
    this.byName.set(cls.name, cls);
    return cls;
  }

  /** The class of `obj`, or undefined when it is not an instance of a user class. */
  classOf(obj: Ptr): PyClass | undefined {
    return this.byId.get(this.o.rt.typeIdOf(obj));
  }

  /** The class registered under this type id, or undefined. */
  classById(typeId: number): PyClass | undefined {
    return this.byId.get(typeId);
  }

  /** The class with this name, or undefined. */
  lookup(name: string): PyClass | undefined {
    return this.byName.get(name);
  }

  /** Whether `obj` is an instance of some user class. */
  isInstance(obj: Ptr): boolean {
    return this.byId.has(this.o.rt.typeIdOf(obj));
  }
}

// ------------------------------------------------------------ type slots

/** Byte offset -> u32 index of slot `index`. */
function slotWord(obj: Ptr, index: number): number {
  return (obj + INSTANCE_SLOTS + (index << WORD_SHIFT)) >>> WORD_SHIFT;
}

/**
 * dealloc and clear: drop the references held in `count` words from `start`
 * (Py_CLEAR each: zero the word, then decref, so a finalizer or weakref
 * callback that runs meanwhile never sees a dangling pointer).
 */
function releaseWords(ctx: ObjectContext, start: number, count: number): void {
  const first = start >>> WORD_SHIFT;
  for (let i = 0; i < count; i++) {
    const u32 = ctx.heap.u32; // a decref may run a finalizer that grows the heap
    const child = u32[first + i];
    if (child === 0) continue;
    u32[first + i] = 0;
    ctx.decref(child);
  }
}

/** traverse: visit each non-NULL word; stop at the first non-zero result. */
function traverseWords(u32: Uint32Array, start: number, count: number, visit: VisitProc, arg: number): number {
  const first = start >>> WORD_SHIFT;
  for (let i = 0; i < count; i++) {
    const child = u32[first + i];
    if (child !== 0) {
      const result = visit(child, arg);
      if (result !== 0) return result;
    }
  }
  return 0;
}

/** Validate a ClassSpec before anything is registered; returns its slots (or null). */
function checkSpec(spec: ClassSpec): string[] | null {
  const name = typeof spec?.name === 'string' ? spec.name : String(spec?.name);
  const fail = (reason: string): never => {
    throw new TypeRegistrationError(name, reason);
  };
  if (spec.finalize !== undefined && typeof spec.finalize !== 'function') fail('finalize must be a function');
  if (spec.weakrefable !== undefined && typeof spec.weakrefable !== 'boolean') fail('weakrefable must be a boolean');
  if (spec.slots === undefined) return null;
  if (!Array.isArray(spec.slots)) fail('slots must be an array of attribute names');
  const slots = spec.slots as readonly unknown[];
  const seen = new Set<string>();
  for (const slot of slots) {
    if (typeof slot !== 'string' || slot.length === 0) fail(`slot names must be non-empty strings, got ${String(slot)}`);
    if (seen.has(slot as string)) fail(`slot '${slot as string}' is listed twice`);
    seen.add(slot as string);
  }
  return [...seen];
}
