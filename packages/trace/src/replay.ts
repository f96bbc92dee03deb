import { ALIGNMENT_MASK, PymemError, formatPtr, type Allocator } from '@pymem/core';
import { OP_CALLOC, OP_FREE, OP_MALLOC, OP_NAMES, type Trace } from './format.js';

/**
 * Replay a trace as fast as the allocator allows: no checks, no bookkeeping
 * beyond the id -> pointer table. Blocks still live at the end are left
 * allocated (the table is returned so the caller can free them).
 *
 * Tricky: the call sites below see every allocator class this function is
 * used with. To time an allocator, replay it in a process (or worker) of its
 * own so those call sites stay monomorphic.
 */
export function replay(allocator: Allocator, trace: Trace, ptrs = new Uint32Array(trace.nids)): Uint32Array {
  const { ops, ids, sizes, nevents } = trace;
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    if (op === OP_MALLOC) ptrs[id] = allocator.malloc(sizes[i]);
    else if (op === OP_FREE) allocator.free(ptrs[id]);
    else if (op === OP_CALLOC) ptrs[id] = allocator.calloc(1, sizes[i]);
    else ptrs[id] = allocator.realloc(ptrs[id], sizes[i]);
  }
  return ptrs;
}

/** Free every block a replay left live (ids whose slot is non-zero in `live`). */
export function freeLive(allocator: Allocator, ptrs: Uint32Array, live: Uint8Array): void {
  for (let id = 0; id < ptrs.length; id++) {
    if (live[id]) {
      allocator.free(ptrs[id]);
      live[id] = 0;
    }
  }
}

export interface ReplayCheckOptions {
  /** Call allocator.checkHeap() every this many events (0: only at the end). @defaultValue 0 */
  checkEvery?: number;
  /** Bytes checked at each end of a block on free/realloc. @defaultValue 64 */
  verifyBytes?: number;
  /** Free the blocks still live when the trace ends (then check once more). @defaultValue true */
  freeAtEnd?: boolean;
}

export interface ReplayReport {
  events: number;
  /** checkHeap() calls made. */
  checks: number;
  /** Blocks live when the trace ended (freed afterwards when freeAtEnd). */
  liveAtEnd: number;
  /** The heap's high-water size during the replay. */
  peakHeapBytes: number;
}

/** A replay found the allocator misbehaving: names the event and the block. */
export class ReplayError extends PymemError {
  readonly event: number;
  constructor(event: number, message: string) {
    super('ERR_REPLAY', `event ${event}: ${message}`);
    this.event = event;
  }
}

/*
 * Each live block is filled with a byte pattern derived from its id and a
 * generation counter; its first and last `verifyBytes` bytes are compared on
 * free and realloc (realloc: the preserved prefix, then the block is refilled).
 * A block that overlaps another, or that the allocator scribbles on, shows up
 * as a mismatch.
 */
function patternByte(id: number, gen: number, i: number): number {
  return (id * 131 + gen * 29 + i * 7 + 1) & 0xff;
}

function fill(u8: Uint8Array, ptr: number, size: number, id: number, gen: number): void {
  for (let i = 0; i < size; i++) u8[ptr + i] = patternByte(id, gen, i);
}

function verify(u8: Uint8Array, ptr: number, size: number, id: number, gen: number, n: number, event: number): void {
  const head = Math.min(size, n);
  for (let i = 0; i < head; i++) {
    if (u8[ptr + i] !== patternByte(id, gen, i)) fail(event, ptr, id, i);
  }
  for (let i = Math.max(head, size - n); i < size; i++) {
    if (u8[ptr + i] !== patternByte(id, gen, i)) fail(event, ptr, id, i);
  }
}

function fail(event: number, ptr: number, id: number, i: number): never {
  throw new ReplayError(event, `block id ${id} at ${formatPtr(ptr)} lost its contents at byte ${i}`);
}

/**
 * Replay with every check on: pointers are non-NULL, 16-byte aligned and owned;
 * calloc memory reads zero; contents survive other operations and realloc;
 * checkHeap() at intervals and at the end. Throws ReplayError (or the
 * allocator's own error) at the first problem.
 */
export function replayChecked(allocator: Allocator, trace: Trace, options: ReplayCheckOptions = {}): ReplayReport {
  const checkEvery = options.checkEvery ?? 0;
  const n = options.verifyBytes ?? 64;
  const { ops, ids, sizes, nevents } = trace;
  const ptrs = new Uint32Array(trace.nids);
  const lens = new Uint32Array(trace.nids);
  const gens = new Uint32Array(trace.nids);
  const live = new Uint8Array(trace.nids);
  let checks = 0;
  let nlive = 0;
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    const size = sizes[i];
    if (op === OP_FREE) {
      if (!live[id]) throw new ReplayError(i, `free of id ${id}, which is not live (bad trace)`);
      verify(allocator.heap.u8, ptrs[id], lens[id], id, gens[id], n, i);
      allocator.free(ptrs[id]);
      live[id] = 0;
      nlive--;
    } else if (op === OP_MALLOC || op === OP_CALLOC) {
      if (live[id]) throw new ReplayError(i, `${OP_NAMES[op]} binds id ${id}, which is live (bad trace)`);
      const ptr = op === OP_MALLOC ? allocator.malloc(size) : allocator.calloc(1, size);
      checkPointer(allocator, ptr, i, OP_NAMES[op], size);
      const u8 = allocator.heap.u8;
      if (op === OP_CALLOC) {
        for (let k = 0; k < size; k++) {
          if (u8[ptr + k] !== 0) throw new ReplayError(i, `calloc(${size}) at ${formatPtr(ptr)} is not zero at byte ${k}`);
        }
      }
      gens[id]++;
      fill(u8, ptr, size, id, gens[id]);
      ptrs[id] = ptr;
      lens[id] = size;
      live[id] = 1;
      nlive++;
    } else {
      if (!live[id]) throw new ReplayError(i, `realloc of id ${id}, which is not live (bad trace)`);
      verify(allocator.heap.u8, ptrs[id], lens[id], id, gens[id], n, i);
      const ptr = allocator.realloc(ptrs[id], size);
      checkPointer(allocator, ptr, i, 'realloc', size);
      verify(allocator.heap.u8, ptr, Math.min(size, lens[id]), id, gens[id], n, i);
      gens[id]++;
      fill(allocator.heap.u8, ptr, size, id, gens[id]);
      ptrs[id] = ptr;
      lens[id] = size;
    }
    if (checkEvery > 0 && (i + 1) % checkEvery === 0) {
      allocator.checkHeap();
      checks++;
    }
  }
  allocator.checkHeap();
  checks++;
  const peakHeapBytes = allocator.heap.peakByteLength;
  if (options.freeAtEnd ?? true) {
    for (let id = 0; id < trace.nids; id++) {
      if (live[id]) verify(allocator.heap.u8, ptrs[id], lens[id], id, gens[id], n, nevents);
    }
    freeLive(allocator, ptrs, live);
    allocator.checkHeap();
    checks++;
  }
  return { events: nevents, checks, liveAtEnd: nlive, peakHeapBytes };
}

function checkPointer(allocator: Allocator, ptr: number, event: number, what: string, size: number): void {
  if (ptr === 0) throw new ReplayError(event, `${what}(${size}) returned NULL`);
  if ((ptr & ALIGNMENT_MASK) !== 0) throw new ReplayError(event, `${what}(${size}) returned ${formatPtr(ptr)}, not 16-byte aligned`);
  if (ptr + size > allocator.heap.byteLength) {
    throw new ReplayError(event, `${what}(${size}) returned ${formatPtr(ptr)}, which runs past the heap's end`);
  }
  if (!allocator.owns(ptr)) throw new ReplayError(event, `${what}(${size}) returned ${formatPtr(ptr)}, which the allocator does not own`);
  if (allocator.usableSize(ptr) < size) {
    throw new ReplayError(event, `${what}(${size}) returned ${formatPtr(ptr)} with usableSize ${allocator.usableSize(ptr)}`);
  }
}
