/**
 * Moving plain data across: `toJS(ptr)` turns an object graph into JS
 * values, `fromJS(value)` builds an object graph from JS values.
 *
 * ```
 *   object           toJS ->                         <- fromJS
 *   ---------------  ------------------------------  -------------------------------------
 *   None             null                            null, undefined
 *   bool             boolean                         boolean
 *   int              number if a safe integer,       integral number (but not -0): int
 *                    else bigint                     bigint: int
 *   float            number                          non-integral number, -0, NaN, ±Infinity
 *   str              string                          string
 *   bytes            Uint8Array (a copy)             Uint8Array (Buffer too; copied)
 *   list             Array                           Array (default `arrays: 'list'`)
 *   tuple            frozen Array                    Array with `arrays: 'tuple'`; an Array
 *                                                    used as a Map key is always a tuple
 *   dict             Map (keys converted too)        Map; plain object (its own enumerable
 *                                                    string keys become str keys)
 *   instance         { __class__: name, ...attrs }   plain object whose `__class__` names a
 *                                                    class of `o.instances`
 *   weakref          { __weakref__: referent | null } (a plain object: becomes a dict)
 *   other types      ObjectTypeError                 anything else: ObjectTypeError
 * ```
 *
 * Lossy spots, on purpose: a float with an integral value (`1.0`) comes out
 * as the number 1 and goes back in as an int; `fromJS` cannot tell them
 * apart. Map keys that are arrays or Uint8Arrays are keyed by identity in JS,
 * and JS Maps treat every NaN as one key (a dict may hold several NaN
 * floats as keys: toJS keeps the last). Symbol-keyed properties are ignored.
 * A plain object's own enumerable string keys are read once to check and
 * once to build: getters run twice.
 *
 * Identity and cycles: both directions keep a memo, so an object reached
 * twice gives one JS value (and one JS object gives one heap object), and a
 * list that contains itself becomes an Array that contains itself, and back.
 * A tuple cannot contain itself without a mutable container in between (as
 * in Python): `fromJS` of such a JS cycle with `arrays: 'tuple'` throws.
 *
 * Depth: neither direction recurses. Containers are made as empty shells
 * first and filled from an explicit work stack; tuples, which must be built
 * from finished items, are assembled post-order on an explicit frame stack.
 * A list nested 10^5 deep converts both ways in constant JS stack.
 *
 * Errors: values fromJS cannot represent (functions, symbols, Set, Date,
 * class instances, other typed arrays, attributes outside a slot class's
 * slots) are found by a first pass that allocates nothing and throw
 * ObjectTypeError. What only the heap can tell (an unhashable dict key, a
 * tuple cycle, out of memory) is found while building: everything built so
 * far is then released (mutable containers cleared first, so cycles among
 * them fall apart) and the heap is back where it was.
 */
import { ObjectTypeError, formatPtr, type Ptr } from '@pymem/core';
import { BOOL_VALUE, LIST_ITEMS, LIST_SIZE, TUPLE_ITEMS, TUPLE_SIZE } from './layout.js';
import type { Objects } from './objects.js';

/** What toJS returns (and fromJS accepts, with the additions listed above). */
export type JSValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | JSValue[]
  | readonly JSValue[]
  | Map<JSValue, JSValue>
  | JSInstance
  | JSWeakref;

/** An instance, as toJS shows it: its class name and its attributes. */
export interface JSInstance {
  __class__: string;
  [attribute: string]: JSValue;
}

/** A weakref, as toJS shows it: the referent, or null once it is dead. */
export interface JSWeakref {
  __weakref__: JSValue;
}

export interface FromJSOptions {
  /**
   * What JS arrays become. Arrays used as Map keys are tuples either way.
   * @defaultValue 'list'
   */
  arrays?: 'list' | 'tuple';
}

/** Byte offset -> u32 index. */
const WORD_SHIFT = 2;
/** The key under which a plain object names its instance's class. */
const CLASS_KEY = '__class__';
/** The key under which toJS shows a weakref's referent. */
const WEAKREF_KEY = '__weakref__';

// ================================================================== toJS

/** A JS value from the object graph at `root` (the graph is only read). */
export function convertToJS(o: Objects, root: Ptr): JSValue {
  const converter = new ToJS(o);
  const result = converter.value(root);
  converter.drain();
  return result;
}

/**
 * toJS state: containers seen so far (memo) and the ones still to fill.
 * `value` never recurses: a container gets an empty JS shell, remembered in
 * the memo and queued; `drain` fills the queued shells one by one.
 */
class ToJS {
  private readonly memo = new Map<Ptr, JSValue>();
  private readonly pending: Ptr[] = [];

  constructor(private readonly o: Objects) {}

  /** The JS value of `p`: scalars at once, containers as (memoized) shells. */
  value(p: Ptr): JSValue {
    const o = this.o;
    const type = o.rt.typeIdOf(p);
    if (type === o.noneType) return null;
    if (type === o.boolType) return o.rt.heap.u32[(p + BOOL_VALUE) >>> WORD_SHIFT] !== 0;
    if (type === o.int.type) return o.int.value(p); // a number when safe, else a bigint
    if (type === o.float.type) return o.float.value(p);
    if (type === o.str.type) return o.str.value(p);
    const seen = this.memo.get(p);
    if (seen !== undefined) return seen;
    const shell = this.shell(p, type);
    this.memo.set(p, shell);
    if (!(shell instanceof Uint8Array)) this.pending.push(p);
    return shell;
  }

  /** Fill every queued shell; filling queues the shells of new children. */
  drain(): void {
    for (let p = this.pending.pop(); p !== undefined; p = this.pending.pop()) this.fill(p, this.memo.get(p)!);
  }

  /** An empty JS container for `p` (bytes are copied whole: they hold no references). */
  private shell(p: Ptr, type: number): JSValue {
    const o = this.o;
    if (type === o.list.type || type === o.tuple.type) return [];
    if (type === o.dict.type) return new Map<JSValue, JSValue>();
    if (type === o.bytes.type) return o.bytes.toUint8Array(p);
    const cls = o.instances.classById(type);
    if (cls !== undefined) return { [CLASS_KEY]: cls.name };
    if (type === o.rt.weakrefType) return { [WEAKREF_KEY]: null };
    throw new ObjectTypeError(p, `toJS: cannot convert a '${o.rt.typeOf(p).name}' object at ${formatPtr(p)}`);
  }

  private fill(p: Ptr, target: JSValue): void {
    const o = this.o;
    const type = o.rt.typeIdOf(p);
    const u32 = o.rt.heap.u32;
    if (type === o.list.type) {
      this.fillArray(target as JSValue[], u32[(p + LIST_ITEMS) >>> WORD_SHIFT] >>> WORD_SHIFT, u32[(p + LIST_SIZE) >>> WORD_SHIFT]);
    } else if (type === o.tuple.type) {
      this.fillArray(target as JSValue[], (p + TUPLE_ITEMS) >>> WORD_SHIFT, u32[(p + TUPLE_SIZE) >>> WORD_SHIFT]);
      Object.freeze(target);
    } else if (type === o.dict.type) this.fillMap(target as Map<JSValue, JSValue>, p);
    else if (type === o.rt.weakrefType) this.fillWeakref(target as JSWeakref, p);
    else this.fillInstance(target as JSInstance, p);
  }

  /**
   * Push the JS values of `size` item words from word index `first` (a
   * list's item array or a tuple's inline items). Converting an item reads
   * the heap but never changes it, so `first` stays valid throughout.
   */
  private fillArray(target: JSValue[], first: number, size: number): void {
    for (let i = 0; i < size; i++) target.push(this.value(this.o.rt.heap.u32[first + i]));
  }

  private fillMap(target: Map<JSValue, JSValue>, dict: Ptr): void {
    for (const [key, value] of this.o.dict.entries(dict)) target.set(this.value(key), this.value(value));
  }

  private fillInstance(target: JSInstance, obj: Ptr): void {
    const cls = this.o.instances.classOf(obj)!;
    for (const name of cls.attrs(obj)) defineValue(target, name, this.value(cls.getattr(obj, name)));
  }

  private fillWeakref(target: JSWeakref, wr: Ptr): void {
    const referent = this.o.rt.weakrefGet(wr);
    target[WEAKREF_KEY] = referent === 0 ? null : this.value(referent);
  }
}

/** Set an own data property, even one named `__proto__`. */
function defineValue(target: object, key: string, value: JSValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ================================================================ fromJS

/** A new reference to a new object graph built from `value`. */
export function convertFromJS(o: Objects, value: unknown, options: FromJSOptions = {}): Ptr {
  const arrays = options.arrays ?? 'list';
  if (arrays !== 'list' && arrays !== 'tuple') {
    throw new ObjectTypeError(0, `fromJS: option 'arrays' must be 'list' or 'tuple', got ${String(arrays)}`);
  }
  checkConvertible(o, value);
  return new FromJS(o, arrays === 'tuple').run(value);
}

/** What a JS value is, for fromJS. */
const enum Kind {
  Scalar,
  Bytes,
  Array,
  Map,
  Object,
  Unsupported,
}

function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return Kind.Scalar;
    case 'object':
      if (value === null) return Kind.Scalar;
      if (value instanceof Uint8Array) return Kind.Bytes;
      if (Array.isArray(value)) return Kind.Array;
      if (value instanceof Map) return Kind.Map;
      return isPlainObject(value) ? Kind.Object : Kind.Unsupported;
    default:
      return Kind.Unsupported;
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The first pass: walk the whole JS graph (each object once) and throw
 * ObjectTypeError at the first value fromJS cannot represent, before
 * anything is allocated.
 */
function checkConvertible(o: Objects, root: unknown): void {
  const seen = new Set<object>();
  const values: unknown[] = [root];
  const keys: string[] = ['(root)'];
  while (values.length > 0) {
    const value = values.pop();
    const key = keys.pop()!;
    const kind = kindOf(value);
    if (kind === Kind.Unsupported) unsupported(value, key);
    if (kind === Kind.Scalar || kind === Kind.Bytes || seen.has(value as object)) continue;
    seen.add(value as object);
    if (kind === Kind.Array) {
      const array = value as readonly unknown[];
      for (let i = 0; i < array.length; i++) pushChild(values, keys, array[i], `[${i}]`);
    } else if (kind === Kind.Map) {
      for (const [k, v] of value as Map<unknown, unknown>) {
        pushChild(values, keys, k, 'a Map key');
        pushChild(values, keys, v, 'a Map value');
      }
    } else {
      checkObject(o, value as Record<string, unknown>, values, keys);
    }
  }
}

function pushChild(values: unknown[], keys: string[], value: unknown, key: string): void {
  values.push(value);
  keys.push(key);
}

/** A plain object: its values, and for an instance its attribute names. */
function checkObject(o: Objects, object: Record<string, unknown>, values: unknown[], keys: string[]): void {
  const cls = classNamed(o, object);
  for (const name of Object.keys(object)) {
    if (cls !== undefined && name === CLASS_KEY) continue;
    if (cls?.slots != null && !cls.slots.includes(name)) {
      throw new ObjectTypeError(0, `fromJS: '${cls.name}' has no slot '${name}' (its slots are [${cls.slots.join(', ')}])`);
    }
    pushChild(values, keys, object[name], `'${name}'`);
  }
}

/** The class a plain object names with `__class__`, if any. */
function classNamed(o: Objects, object: Record<string, unknown>) {
  const name = Object.hasOwn(object, CLASS_KEY) ? object[CLASS_KEY] : undefined;
  return typeof name === 'string' ? o.instances.lookup(name) : undefined;
}

function unsupported(value: unknown, key: string): never {
  const what =
    typeof value === 'object' && value !== null
      ? `a ${(value).constructor?.name ?? 'non-plain'} object`
      : `a ${typeof value}`;
  throw new ObjectTypeError(0, `fromJS: cannot convert ${what} (at ${key}); supported: null, undefined, boolean, number, bigint, string, Uint8Array, Array, Map, plain objects`);
}

/** One tuple being assembled post-order: its array, the next index, the items built so far. */
interface TupleFrame {
  readonly array: readonly unknown[];
  next: number;
  readonly items: Ptr[];
}

/**
 * fromJS state. Every reference made is recorded in `owned` and dropped at
 * the end (the root is increfed first, so what it reaches survives through
 * its containers' references). Lists, dicts and instances are made empty
 * (shells), memoized, and filled from `fillQueue`, so a JS cycle through them
 * closes on the memoized shell.
 */
class FromJS {
  private readonly owned: Ptr[] = [];
  /** Mutable containers made so far: cleared on failure so their cycles fall apart. */
  private readonly shells: Ptr[] = [];
  /** Arrays (as lists), Maps, plain objects and Uint8Arrays -> their object. */
  private readonly memo = new Map<object, Ptr>();
  /** Arrays built as tuples -> their tuple (an array may be a list and a tuple key). */
  private readonly tupleMemo = new Map<readonly unknown[], Ptr>();
  private readonly fillQueue: object[] = [];

  constructor(
    private readonly o: Objects,
    private readonly arraysAsTuples: boolean,
  ) {}

  run(value: unknown): Ptr {
    const rt = this.o.rt;
    try {
      const root = this.build(value);
      for (let next = this.fillQueue.pop(); next !== undefined; next = this.fillQueue.pop()) this.fill(next);
      rt.incref(root);
      return root;
    } catch (error) {
      for (const shell of this.shells) rt.clear(shell);
      throw error;
    } finally {
      for (const p of this.owned) rt.decref(p);
    }
  }

  /** The object for `value` (owned by this conversion). Containers come back as shells. */
  private build(value: unknown): Ptr {
    const o = this.o;
    switch (typeof value) {
      case 'undefined':
        return o.None;
      case 'boolean':
        return o.bool(value);
      case 'number':
        return this.own(isIntegral(value) ? o.int.new(Number.isSafeInteger(value) ? value : BigInt(value)) : o.float.new(value));
      case 'bigint':
        return this.own(o.int.new(value));
      case 'string':
        return this.own(o.str.new(value));
    }
    if (value === null) return o.None;
    const kind = kindOf(value);
    if (kind === Kind.Array && this.arraysAsTuples) return this.buildTuple(value as readonly unknown[]);
    // checkConvertible saw every value already; only a getter answering differently the second time gets here
    if (kind === Kind.Unsupported) unsupported(value, 'a property read twice with different results');
    const object = value as object;
    const seen = this.memo.get(object);
    if (seen !== undefined) return seen;
    const p = this.own(this.make(object));
    this.memo.set(object, p);
    return p;
  }

  /** A new object for a JS object: bytes complete, containers empty and queued. */
  private make(object: object): Ptr {
    const o = this.o;
    if (object instanceof Uint8Array) return o.bytes.new(object);
    this.fillQueue.push(object);
    const cls = Array.isArray(object) || object instanceof Map ? undefined : classNamed(o, object as Record<string, unknown>);
    const p = Array.isArray(object) ? o.list.new() : cls !== undefined ? cls.new() : o.dict.new();
    this.shells.push(p);
    return p;
  }

  /** Fill a queued shell with its JS object's contents. */
  private fill(object: object): void {
    const o = this.o;
    const p = this.memo.get(object)!;
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) o.list.append(p, this.build(object[i]));
    } else if (object instanceof Map) {
      for (const [k, v] of object) o.dict.set(p, this.buildKey(k), this.build(v));
    } else {
      const record = object as Record<string, unknown>;
      const cls = classNamed(o, record);
      for (const name of Object.keys(record)) {
        if (cls === undefined) o.dict.setStr(p, name, this.build(record[name]));
        else if (name !== CLASS_KEY) cls.setattr(p, name, this.build(record[name]));
      }
    }
  }

  /** A dict key: arrays are tuples here whatever the `arrays` option says. */
  private buildKey(key: unknown): Ptr {
    return Array.isArray(key) ? this.buildTuple(key) : this.build(key);
  }

  /**
   * A tuple from a JS array, assembled post-order without recursion: nested
   * arrays are tuples too, built before the tuple that holds them. A nested
   * array that is still being assembled would make a tuple contain itself:
   * ObjectTypeError.
   */
  private buildTuple(root: readonly unknown[]): Ptr {
    const done = this.tupleMemo.get(root);
    if (done !== undefined) return done;
    const building = new Set<readonly unknown[]>([root]);
    const frames: TupleFrame[] = [{ array: root, next: 0, items: [] }];
    let result = 0;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.next < frame.array.length) {
        const item = frame.array[frame.next++];
        if (!Array.isArray(item)) {
          frame.items.push(this.build(item));
          continue;
        }
        const built = this.tupleMemo.get(item);
        if (built !== undefined) {
          frame.items.push(built);
          continue;
        }
        if (building.has(item)) throw new ObjectTypeError(0, 'fromJS: a tuple cannot contain itself (a cycle of arrays made into tuples)');
        building.add(item);
        frames.push({ array: item, next: 0, items: [] });
        continue;
      }
      frames.pop();
      building.delete(frame.array);
      result = this.own(this.o.tuple.new(frame.items));
      this.tupleMemo.set(frame.array, result);
      if (frames.length > 0) frames[frames.length - 1].items.push(result);
    }
    return result;
  }

  private own(p: Ptr): Ptr {
    this.owned.push(p);
    return p;
  }
}

/** Numbers that become ints: integral and not -0 (NaN and ±Infinity are not integral). */
function isIntegral(value: number): boolean {
  return Number.isInteger(value) && !Object.is(value, -0);
}
