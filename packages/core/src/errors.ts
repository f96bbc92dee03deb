import { formatPtr } from './ptr.js';

/**
 * Every error pymem throws on bad input derives from PymemError. Each names the
 * pointer or size involved and what was expected, and is thrown *before* any
 * state changes: the heap and every live block are left as they were.
 */
export class PymemError extends Error {
  /** A stable machine-readable code, e.g. `ERR_INVALID_FREE`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The heap cannot grow to satisfy a request (its maximum size is reached). */
export class OutOfMemoryError extends PymemError {
  readonly size: number;
  readonly heapBytes: number;
  readonly maxBytes: number;
  constructor(size: number, heapBytes: number, maxBytes: number, detail = '') {
    super(
      'ERR_OUT_OF_MEMORY',
      `out of memory: cannot allocate ${size} bytes (heap is ${heapBytes} of at most ${maxBytes} bytes)${detail ? `: ${detail}` : ''}`,
    );
    this.size = size;
    this.heapBytes = heapBytes;
    this.maxBytes = maxBytes;
  }
}

/** free/realloc of a pointer that this allocator never handed out (or an interior pointer). */
export class InvalidFreeError extends PymemError {
  readonly ptr: number;
  constructor(ptr: number, reason: string) {
    super('ERR_INVALID_FREE', `invalid free of ${formatPtr(ptr)}: ${reason}`);
    this.ptr = ptr;
  }
}

/** free/realloc of a block that is already free. */
export class DoubleFreeError extends PymemError {
  readonly ptr: number;
  constructor(ptr: number) {
    super('ERR_DOUBLE_FREE', `double free of ${formatPtr(ptr)}: the block is already free`);
    this.ptr = ptr;
  }
}

/** A size argument that is not a non-negative safe integer, or exceeds the heap's maximum. */
export class InvalidSizeError extends PymemError {
  readonly size: number;
  constructor(size: number, reason: string) {
    super('ERR_INVALID_SIZE', `invalid size ${String(size)}: ${reason}`);
    this.size = size;
  }
}

/** checkHeap() found a broken invariant: names the invariant and where. */
export class HeapCorruptionError extends PymemError {
  readonly invariant: string;
  readonly ptr: number;
  constructor(invariant: string, ptr = 0, detail = '') {
    super(
      'ERR_HEAP_CORRUPTION',
      `heap corruption at ${formatPtr(ptr)}: ${invariant}${detail ? ` (${detail})` : ''}`,
    );
    this.invariant = invariant;
    this.ptr = ptr;
  }
}

/**
 * Validate a size argument on a cold path: a non-negative safe integer no
 * larger than `max`. Throws InvalidSizeError otherwise.
 */
export function checkSize(size: number, max: number): void {
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw new InvalidSizeError(size, 'expected a non-negative integer');
  }
  if (size < 0) throw new InvalidSizeError(size, 'expected a non-negative integer');
  if (size > max) throw new InvalidSizeError(size, `larger than the heap's maximum of ${max} bytes`);
}

/**
 * Reference-count misuse caught in checked mode: a decref that would take an
 * object below zero (it was already freed, or is being deallocated).
 */
export class RefcountError extends PymemError {
  readonly ptr: number;
  constructor(ptr: number, reason: string) {
    super('ERR_REFCOUNT', `refcount error on ${formatPtr(ptr)}: ${reason}`);
    this.ptr = ptr;
  }
}

/** A pointer handed to the runtime as an object is not a live object. */
export class InvalidObjectError extends PymemError {
  readonly ptr: number;
  constructor(ptr: number, reason: string) {
    super('ERR_INVALID_OBJECT', `${formatPtr(ptr)} is not a live object: ${reason}`);
    this.ptr = ptr;
  }
}

/** registerType with a name that is already registered, or a spec that is malformed. */
export class TypeRegistrationError extends PymemError {
  readonly typeName: string;
  constructor(typeName: string, reason: string) {
    super('ERR_TYPE_REGISTRATION', `cannot register type '${typeName}': ${reason}`);
    this.typeName = typeName;
  }
}

/** A type id (or name) that no registered type has. */
export class UnknownTypeError extends PymemError {
  readonly typeId: number | string;
  constructor(typeId: number | string) {
    super('ERR_UNKNOWN_TYPE', `unknown type ${typeof typeId === 'string' ? `'${typeId}'` : `id ${typeId}`}`);
    this.typeId = typeId;
  }
}

/** An object of the wrong type for an operation (CPython's TypeError), e.g. list.append on an int, or an unhashable dict key. */
export class ObjectTypeError extends PymemError {
  readonly ptr: number;
  constructor(ptr: number, message: string) {
    super('ERR_OBJECT_TYPE', message);
    this.ptr = ptr;
  }
}

/** A sequence index out of range (CPython's IndexError). */
export class IndexError extends PymemError {
  readonly index: number;
  constructor(index: number, message: string) {
    super('ERR_INDEX', message);
    this.index = index;
  }
}

/** A dict lookup of a missing key (CPython's KeyError). */
export class KeyError extends PymemError {
  readonly key: number;
  constructor(key: number, message: string) {
    super('ERR_KEY', message);
    this.key = key;
  }
}
