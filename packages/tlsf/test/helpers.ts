import { Heap, type HeapBackend, type HeapOptions } from '@pymem/core';
import { Tlsf, type TlsfOptions } from '../src/index.js';

/** The backends every suite runs on (`shared` behaves like `wasm` for views). */
export const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm'];

export function fresh(backend: HeapBackend = 'arraybuffer', heap: HeapOptions = {}, options: TlsfOptions = {}): Tlsf {
  return new Tlsf(new Heap({ backend, maxBytes: 64 << 20, ...heap }), options);
}

/** A copy of every byte of the heap. */
export function snapshot(t: Tlsf): Uint8Array {
  return t.heap.u8.slice();
}

/** Run `op`, expect it to throw `type`, and expect the heap's bytes and size unchanged. */
export function expectRejected(t: Tlsf, op: () => unknown, type: abstract new (...args: never[]) => Error): Error {
  const before = snapshot(t);
  const size = t.heap.byteLength;
  let caught: unknown = null;
  try {
    op();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof type)) {
    throw new Error(`expected ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  }
  if (t.heap.byteLength !== size) throw new Error(`heap size changed: ${size} -> ${t.heap.byteLength}`);
  const after = t.heap.u8;
  for (let i = 0; i < before.length; i++) {
    if (before[i] !== after[i]) throw new Error(`heap byte ${i} changed: ${before[i]} -> ${after[i]}`);
  }
  t.checkHeap();
  return caught;
}

/** Fill `n` bytes at `ptr` with `byte`. */
export function fill(t: Tlsf, ptr: number, n: number, byte: number): void {
  t.heap.u8.fill(byte, ptr, ptr + n);
}

/** Index of the first of `n` bytes at `ptr` that is not `byte`, or -1. Compares words where it can. */
export function firstMismatch(t: Tlsf, ptr: number, n: number, byte: number): number {
  const u32 = t.heap.u32;
  const word = (byte * 0x01010101) >>> 0;
  const words = n >>> 2;
  const base = ptr >>> 2;
  for (let i = 0; i < words; i++) {
    if (u32[base + i] !== word) return ptr + i * 4;
  }
  const u8 = t.heap.u8;
  for (let i = words * 4; i < n; i++) {
    if (u8[ptr + i] !== byte) return ptr + i;
  }
  return -1;
}

export { SHRINK_BUDGET_MS, assertProperty } from '@pymem/testing';
