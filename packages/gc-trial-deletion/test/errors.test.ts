import { HeapCorruptionError, InvalidObjectError, InvalidSizeError, ObjectTypeError, OB_TYPE } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER_SIZE, GcAttachError, MAX_BUFFER_SIZE, TrialDeletionGc, trialDeletionGc } from '../src/index.js';
import { BUFFERED } from '../src/colour.js';
import { setup } from './helpers.js';

describe('options', () => {
  it('bufferSize defaults to 10_000 and accepts 1 .. MAX_BUFFER_SIZE', () => {
    expect(new TrialDeletionGc().bufferSize).toBe(DEFAULT_BUFFER_SIZE);
    expect(trialDeletionGc({ bufferSize: 1 }).bufferSize).toBe(1);
    expect(trialDeletionGc({ bufferSize: MAX_BUFFER_SIZE }).bufferSize).toBe(MAX_BUFFER_SIZE);
    expect(trialDeletionGc().name).toBe('trial-deletion');
    expect(trialDeletionGc().wantsDecref).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, MAX_BUFFER_SIZE + 1, '10' as unknown as number])(
    'bufferSize %s throws InvalidSizeError',
    (bufferSize) => {
      expect(() => new TrialDeletionGc({ bufferSize })).toThrow(InvalidSizeError);
    },
  );
});

describe('misuse', () => {
  it('a strategy serves one runtime; the first one keeps working', () => {
    const { gc, rt, many, ring, dropAll } = setup();
    expect(() => new Runtime({ allocator: createPool(), gc })).toThrow(GcAttachError);
    dropAll(ring(many(3)));
    expect(gc.collect().collected).toBe(3);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('every method but the hooks wants an attached strategy', () => {
    const gc = new TrialDeletionGc();
    expect(() => gc.collect()).toThrow(GcAttachError);
    expect(() => gc.candidates()).toThrow(GcAttachError);
    expect(() => gc.stats()).toThrow(GcAttachError);
    expect(() => gc.colourOf(8)).toThrow(GcAttachError);
    expect(() => gc.checkInvariants()).toThrow(GcAttachError);
    expect(() => gc.isCollecting()).toThrow(GcAttachError);
  });

  it('colourOf / isBuffered name the pointer: not an object, a freed one, a non-GC one', () => {
    const { gc, rt, types } = setup();
    const leaf = rt.newObject(types.leaf);
    const gone = rt.newObject(types.node);
    rt.decref(gone);
    expect(() => gc.colourOf(12345)).toThrow(InvalidObjectError);
    expect(() => gc.isBuffered(0)).toThrow(InvalidObjectError);
    expect(() => gc.colourOf(gone)).toThrow(/already freed/);
    expect(() => gc.colourOf(leaf)).toThrow(ObjectTypeError);
    expect(() => gc.colourOf(leaf)).toThrow(/'leaf' object at 0x[0-9a-f]+ is not a GC object/);
  });

  it('checkInvariants reports a buffer whose bytes were broken', () => {
    const { gc, rt, types } = setup();
    const a = rt.newObject(types.node);
    rt.incref(a);
    rt.decref(a);
    gc.checkInvariants();
    rt.heap.u32[(a + OB_TYPE) >>> 2] &= ~BUFFERED;
    expect(() => gc.checkInvariants()).toThrow(HeapCorruptionError);
    expect(() => gc.checkInvariants()).toThrow(/buffer member is BUFFERED/);
  });
});
