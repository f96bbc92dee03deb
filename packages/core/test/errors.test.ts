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
