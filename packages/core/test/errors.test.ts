import { describe, expect, it } from 'vitest';
import {
  DoubleFreeError,
  HeapCorruptionError,
  InvalidFreeError,
  InvalidSizeError,
  OutOfMemoryError,
  PymemError,
  checkSize,
  formatPtr,
  sizeClassIndex,
  sizeClassBlockSize,
  alignUp,
  NB_SMALL_SIZE_CLASSES,
} from '../src/index.js';

describe('errors', () => {
  it('name the pointer in hex and carry a code', () => {
    const e = new InvalidFreeError(0x1230, 'interior pointer');
    expect(e).toBeInstanceOf(PymemError);
    expect(e.name).toBe('InvalidFreeError');
    expect(e.code).toBe('ERR_INVALID_FREE');
    expect(e.ptr).toBe(0x1230);
    expect(e.message).toBe('invalid free of 0x1230: interior pointer');
    expect(new DoubleFreeError(16).message).toContain('0x10');
    expect(new HeapCorruptionError('pool count out of range', 0x4000).message).toContain('0x4000');
    expect(new OutOfMemoryError(100, 65536, 65536).message).toContain('100 bytes');
  });

  it('checkSize rejects what is not a non-negative integer within max', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 101]) {
      expect(() => checkSize(bad, 100)).toThrow(InvalidSizeError);
    }
    expect(() => checkSize('3' as unknown as number, 100)).toThrow(InvalidSizeError);
    expect(() => checkSize(0, 100)).not.toThrow();
    expect(() => checkSize(100, 100)).not.toThrow();
  });

  it('formatPtr prints like CPython', () => {
    expect(formatPtr(0)).toBe('0x0');
    expect(formatPtr(255)).toBe('0xff');
  });
});

describe('size classes', () => {
  it('map requests 1..512 onto 32 classes of 16 bytes', () => {
    expect(sizeClassIndex(1)).toBe(0);
    expect(sizeClassIndex(16)).toBe(0);
    expect(sizeClassIndex(17)).toBe(1);
    expect(sizeClassIndex(512)).toBe(NB_SMALL_SIZE_CLASSES - 1);
    for (let n = 1; n <= 512; n++) {
      const size = sizeClassBlockSize(sizeClassIndex(n));
      expect(size).toBeGreaterThanOrEqual(n);
      expect(size - n).toBeLessThan(16);
      expect(size).toBe(alignUp(n));
    }
  });
});

describe('object-runtime errors', () => {
  it('carry a stable code and name the pointer, type or key', async () => {
    const core = await import('../src/index.js');
    const cases: [Error & { code: string }, string, RegExp][] = [
      [new core.RefcountError(0x4038, 'already freed'), 'ERR_REFCOUNT', /refcount error on 0x4038: already freed/],
      [new core.InvalidObjectError(0x10, 'no object here'), 'ERR_INVALID_OBJECT', /0x10 is not a live object: no object here/],
      [new core.TypeRegistrationError('list', 'taken'), 'ERR_TYPE_REGISTRATION', /cannot register type 'list': taken/],
      [new core.UnknownTypeError(7), 'ERR_UNKNOWN_TYPE', /unknown type id 7/],
      [new core.UnknownTypeError('spam'), 'ERR_UNKNOWN_TYPE', /unknown type 'spam'/],
      [new core.ObjectTypeError(0x20, 'unhashable type'), 'ERR_OBJECT_TYPE', /unhashable type/],
      [new core.IndexError(5, 'list index out of range'), 'ERR_INDEX', /out of range/],
      [new core.KeyError(0x30, "KeyError: 'x'"), 'ERR_KEY', /KeyError/],
    ];
    for (const [error, code, message] of cases) {
      expect(error).toBeInstanceOf(core.PymemError);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('keeps the type id out of the flag bits', async () => {
    const core = await import('../src/index.js');
    expect(core.OB_TYPE_ID_MASK & core.OB_FLAG_FINALIZED).toBe(0);
    expect(core.OB_TYPE_ID_MASK & core.OB_FLAGS_GC_RESERVED).toBe(0);
    expect(core.OB_FLAG_FINALIZED & core.OB_FLAGS_GC_RESERVED).toBe(0);
    expect(core.MAX_TYPE_ID).toBe(core.OB_TYPE_ID_MASK);
  });
});
