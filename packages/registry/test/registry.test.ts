import { GC_HEAD_SIZE, TypeFlags, TypeRegistrationError, UnknownTypeError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '../src/index.js';

describe('TypeRegistry', () => {
  it('hands out ids from 1 in registration order and looks them up by index', () => {
    const r = new TypeRegistry();
    const a = r.register({ name: 'a', basicSize: 8 });
    const b = r.register({ name: 'b', basicSize: 16, flags: TypeFlags.GC });
    expect([a, b]).toEqual([1, 2]);
    expect(r.types[0]).toBeNull();
    expect(r.types[a]!.name).toBe('a');
    expect(r.get(b).name).toBe('b');
    expect(r.count).toBe(3);
    expect(r.all().map((t) => t.id)).toEqual([1, 2]);
  });

  it('fills defaults and derives headSize and HAS_FINALIZER', () => {
    const r = new TypeRegistry();
    const fin = (): void => {};
    const t = r.get(r.register({ name: 'g', basicSize: 12, flags: TypeFlags.GC, finalize: fin }));
    expect(t).toMatchObject({ itemSize: 0, weaklistOffset: 0, headSize: GC_HEAD_SIZE, dealloc: null, traverse: null, clear: null, finalize: fin });
    expect(t.flags & TypeFlags.HAS_FINALIZER).not.toBe(0);
    const plain = r.get(r.register({ name: 'p', basicSize: 8, flags: TypeFlags.HAS_FINALIZER }));
    expect(plain.headSize).toBe(0);
    expect(plain.flags & TypeFlags.HAS_FINALIZER).toBe(0);
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('rejects a name registered twice with a typed error and registers nothing', () => {
    const r = new TypeRegistry();
    r.register({ name: 'dup', basicSize: 8 });
    expect(() => r.register({ name: 'dup', basicSize: 16 })).toThrow(TypeRegistrationError);
    expect(r.count).toBe(2);
    expect(r.byNameOrThrow('dup').basicSize).toBe(8);
  });

  it.each([
    [{ name: '', basicSize: 8 }, /non-empty/],
    [{ name: 'x', basicSize: 4 }, /basicSize/],
    [{ name: 'x', basicSize: 10 }, /basicSize/],
    [{ name: 'x', basicSize: 8, itemSize: -1 }, /itemSize/],
    [{ name: 'x', basicSize: 8, flags: 1 << 20 }, /flag/],
    [{ name: 'x', basicSize: 12, weaklistOffset: 4 }, /weaklistOffset/],
    [{ name: 'x', basicSize: 12, weaklistOffset: 12 }, /weaklistOffset/],
    [{ name: 'x', basicSize: 8, dealloc: 3 }, /dealloc must be a function/],
  ])('rejects malformed spec %o', (spec, message) => {
    const r = new TypeRegistry();
    expect(() => r.register(spec as never)).toThrow(TypeRegistrationError);
    expect(() => r.register(spec as never)).toThrow(message);
    expect(r.count).toBe(1);
  });

  it('throws UnknownTypeError for ids and names it does not have', () => {
    const r = new TypeRegistry();
    r.register({ name: 'a', basicSize: 8 });
    for (const id of [0, 2, -1, 1.5, Number.NaN]) {
      expect(() => r.get(id)).toThrow(UnknownTypeError);
      expect(r.has(id)).toBe(false);
    }
    expect(r.has(1)).toBe(true);
    expect(() => r.byNameOrThrow('b')).toThrow(UnknownTypeError);
    expect(r.lookup('b')).toBeUndefined();
  });
});
