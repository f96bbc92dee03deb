/**
 * DebugAllocator: CPython's PYTHONMALLOC=debug hooks around any pymem
 * Allocator. Each request of N bytes becomes one inner block of N + 24 bytes
 * decorated as drawn in layout.ts; the caller gets the data pointer.
 *
 * - malloc fills the data with CLEANBYTE (0xCD), calloc with zeros, realloc
 *   fills the part it grows by with CLEANBYTE.
 * - free and realloc first check the block (check.ts): its API family, both
 *   pads, its size field. A fault writes CPython's report (report.ts) and
 *   throws DebugMemoryError before anything changes: the bad block stays
 *   allocated, every other block and the inner heap are untouched.
 * - free fills the whole inner block (header, data, tail) with DEADBYTE
 *   (0xDD) and parks it in the quarantine (quarantine.ts); the oldest parked
 *   block is checked for writes after free before it goes back to the inner
 *   allocator.
 *
 * Live blocks are tracked in a JS Map (data pointer -> requested size): the
 * one piece of state outside the heap. It is what tells a live block from a
 * freed one and an interior pointer, and what the size field is checked
 * against. The quarantine ring and every decoration live in the heap.
 *
 * Hot paths (malloc, free): a Map lookup, a few typed-array compares and
 * writes, one fill. Everything that builds text or throws is a separate
 * cold-path method.
 */
import {
  DoubleFreeError,
  HeapCorruptionError,
  InvalidFreeError,
  PymemError,
  checkSize,
  type Allocator,
  type Heap,
  type Ptr,
} from '@pymem/core';
import type { DebugOptions, DebugStats } from './api.js';
import { FAULT_API, FAULT_LEADING_PAD, FAULT_NONE, FAULT_SIZE, faultOffset, faultReason, findFault } from './check.js';
import { DebugMemoryError, type DebugFault } from './errors.js';
import { DebugFamily } from './family.js';
import {
  API_MEM,
  API_RAW,
  CLEANBYTE,
  DEADBYTE,
  DEBUG_EXTRA_BYTES,
  HEADER_BYTES,
  OFF_API,
  SST,
  TAIL_PAD_BYTES,
  apiByte,
  decorate,
  fillBytes,
  isApiByte,
  readSize,
  readSizeHigh,
  type ApiId,
} from './layout.js';
import {
  deadIntact,
  initRing,
  ringBytes,
  ringCapacity,
  ringCount,
  ringFind,
  ringIsFull,
  ringPush,
  ringShift,
  slotApi,
  slotHead,
  slotNbytes,
} from './quarantine.js';
import { dumpAddress, dumpDeadBlock, tracebackLines, type TracebackHook } from './report.js';

/** Freed blocks held back by default. */
export const DEFAULT_QUARANTINE = 16;
/** Bytes a zero fill (calloc) writes. */
const ZEROBYTE = 0;
/** A shrinking realloc stays in place while the new size is at least old >> this. */
const SHRINK_IN_PLACE_SHIFT = 1;

function defaultWrite(text: string): void {
  console.error(text.endsWith('\n') ? text.slice(0, -1) : text);
}

function apiOf(id: number): ApiId {
  return id === API_RAW ? 'r' : id === API_MEM ? 'm' : 'o';
}

function faultName(fault: number): DebugFault {
  return fault === FAULT_API
    ? 'bad-id'
    : fault === FAULT_LEADING_PAD
      ? 'bad-leading-pad'
      : fault === FAULT_SIZE
        ? 'bad-size'
        : 'bad-trailing-pad';
}

export class DebugAllocator implements Allocator {
  readonly name = 'debug';
  readonly heap: Heap;
  /** The wrapped allocator: every block here is one block of it. */
  readonly inner: Allocator;
  /** The family of malloc/calloc/realloc/free. */
  readonly api: ApiId;
  private readonly apiId: number;
  /** Live blocks: data pointer -> requested size. */
  private readonly live = new Map<number, number>();
  private liveBytes = 0;
  /** The quarantine ring's inner block, or 0 when the quarantine is off. */
  private readonly ring: number;
  private readonly write: (text: string) => void;
  private readonly traceback: TracebackHook | null;
  /** Largest request: what still fits in the heap with the decoration. */
  private readonly maxRequest: number;

  constructor(inner: Allocator, options: DebugOptions = {}) {
    this.inner = inner;
    this.heap = inner.heap;
    this.api = options.api ?? 'o';
    this.apiId = this.idOf(this.api);
    this.write = options.write ?? defaultWrite;
    this.traceback = options.traceback ?? null;
    this.maxRequest = Math.max(0, this.heap.maxByteLength - DEBUG_EXTRA_BYTES);
    const capacity = options.quarantine ?? DEFAULT_QUARANTINE;
    checkSize(capacity, this.heap.maxByteLength);
    this.ring = capacity > 0 ? inner.malloc(ringBytes(capacity)) : 0;
    if (this.ring !== 0) initRing(this.heap.u32, this.ring, capacity);
  }

  // ---- the default family -------------------------------------------------

  malloc(size: number): Ptr {
    return this.alloc(this.apiId, size, CLEANBYTE);
  }

  calloc(count: number, size: number): Ptr {
    return this.callocWith(this.apiId, count, size);
  }

  realloc(ptr: Ptr, size: number): Ptr {
    return this.reallocWith(this.apiId, ptr, size);
  }

  free(ptr: Ptr): void {
    this.freeWith(this.apiId, ptr);
  }

  // ---- explicit families ----------------------------------------------------

  /** malloc in family `api` ('r' raw, 'm' mem, 'o' object). */
  mallocApi(api: ApiId, size: number): Ptr {
    return this.alloc(this.idOf(api), size, CLEANBYTE);
  }

  callocApi(api: ApiId, count: number, size: number): Ptr {
    return this.callocWith(this.idOf(api), count, size);
  }

  /** realloc a block of family `api`; a block of another family is reported and throws. */
  reallocApi(api: ApiId, ptr: Ptr, size: number): Ptr {
    return this.reallocWith(this.idOf(api), ptr, size);
  }

  /** free a block of family `api`; a block of another family is reported and throws. */
  freeApi(api: ApiId, ptr: Ptr): void {
    this.freeWith(this.idOf(api), ptr);
  }

  /** An Allocator whose malloc family is `api` (PyMem_Raw*, PyMem_*, PyObject_* as one object each). */
  family(api: ApiId): DebugFamily {
    this.idOf(api);
    return new DebugFamily(this, api);
  }

  // ---- hot paths ------------------------------------------------------------

  private alloc(id: number, size: number, fill: number): Ptr {
    checkSize(size, this.maxRequest);
    const head = this.inner.malloc(size + DEBUG_EXTRA_BYTES);
    const u8 = this.heap.u8; // read after the inner malloc: it may have grown the heap
    const u32 = this.heap.u32;
    const p = head + HEADER_BYTES;
    decorate(u8, u32, head, size, id);
    fillBytes(u8, u32, fill, p, p + size);
    this.live.set(p, size);
    this.liveBytes += size;
    return p;
  }

  private freeWith(id: number, p: Ptr): void {
    if (p === 0) return;
    const size = this.live.get(p);
    if (size === undefined) return this.badPointer(p);
    const u8 = this.heap.u8;
    const u32 = this.heap.u32;
    const fault = findFault(u8, u32, p, size, id);
    if (fault !== FAULT_NONE) this.fail('free', fault, p, size, id);
    if (this.ring !== 0 && ringIsFull(u32, this.ring)) this.checkOldest('free');
    this.retire(p, size, id);
  }

  /** Kill a checked live block: fill it DEADBYTE, then park it or give it back. */
  private retire(p: Ptr, size: number, id: number): void {
    const head = p - HEADER_BYTES;
    const u32 = this.heap.u32;
    fillBytes(this.heap.u8, u32, DEADBYTE, head, p + size + TAIL_PAD_BYTES);
    this.live.delete(p);
    this.liveBytes -= size;
    const ring = this.ring;
    if (ring === 0) {
      this.inner.free(head);
      return;
    }
    if (ringIsFull(u32, ring)) {
      const oldest = slotHead(u32, ring, 0);
      ringShift(u32, ring);
      this.inner.free(oldest);
    }
    ringPush(u32, ring, head, size, id);
  }

  private callocWith(id: number, count: number, size: number): Ptr {
    checkSize(count, this.maxRequest);
    checkSize(size, this.maxRequest);
    return this.alloc(id, count * size, ZEROBYTE);
  }

  private reallocWith(id: number, p: Ptr, size: number): Ptr {
    if (p === 0) return this.alloc(id, size, CLEANBYTE);
    checkSize(size, this.maxRequest);
    const old = this.live.get(p);
    if (old === undefined) return this.badPointer(p);
    const fault = findFault(this.heap.u8, this.heap.u32, p, old, id);
    if (fault !== FAULT_NONE) this.fail('realloc', fault, p, old, id);
    if (this.fitsInPlace(p, old, size)) {
      this.resizeInPlace(p, old, size, id);
      return p;
    }
    return this.move(p, old, size, id);
  }

  /** A shrink to at least half, or a growth the inner block has room for. */
  private fitsInPlace(p: Ptr, old: number, size: number): boolean {
    if (size <= old) return size >= old >>> SHRINK_IN_PLACE_SHIFT;
    return size + DEBUG_EXTRA_BYTES <= this.inner.usableSize(p - HEADER_BYTES);
  }

  private resizeInPlace(p: Ptr, old: number, size: number, id: number): void {
    const u8 = this.heap.u8;
    const u32 = this.heap.u32;
    if (size > old) fillBytes(u8, u32, CLEANBYTE, p + old, p + size);
    else fillBytes(u8, u32, DEADBYTE, p + size, p + old + TAIL_PAD_BYTES);
    decorate(u8, u32, p - HEADER_BYTES, size, id);
    this.live.set(p, size);
    this.liveBytes += size - old;
  }

  /** realloc to a new block: allocate first (OOM changes nothing), copy, retire the old one. */
  private move(p: Ptr, old: number, size: number, id: number): Ptr {
    if (this.ring !== 0 && ringIsFull(this.heap.u32, this.ring)) this.checkOldest('realloc');
    const q = this.alloc(id, size, CLEANBYTE);
    this.heap.u8.copyWithin(q, p, p + Math.min(old, size));
    this.retire(p, old, id);
    return q;
  }

  // ---- cold paths -------------------------------------------------------------

  private idOf(api: ApiId): number {
    const id = apiByte(api);
    if (id < 0) throw new PymemError('ERR_DEBUG_API', `unknown API family ${String(api)}: expected 'r', 'm' or 'o'`);
    return id;
  }

  /** free/realloc/usableSize of a pointer that is not live: a double free or a foreign pointer. */
  private badPointer(p: Ptr): never {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < HEADER_BYTES || p > this.heap.byteLength) {
      throw new InvalidFreeError(p, 'not a block of the debug allocator');
    }
    const u32 = this.heap.u32;
    const head = p - HEADER_BYTES;
    if (this.ring !== 0 && ringFind(u32, this.ring, head) >= 0) throw new DoubleFreeError(p);
    if (this.looksDead(p)) throw new DoubleFreeError(p);
    throw new InvalidFreeError(p, 'not a live block of the debug allocator');
  }

  /**
   * Whether `p` looks like a released block: its id byte, leading pad and
   * first data word keep their DEADBYTE fill (the inner allocator's free
   * links sit in the first word of its block, the size field). A heuristic:
   * it tells a double free from a foreign pointer until the memory is reused.
   */
  private looksDead(p: Ptr): boolean {
    const u8 = this.heap.u8;
    const end = Math.min(p + SST, this.heap.byteLength);
    for (let at = p - HEADER_BYTES + OFF_API; at < end; at++) if (u8[at] !== DEADBYTE) return false;
    return true;
  }

  /** Report a fault of the live block at `p` and throw. Nothing has changed. */
  private fail(op: string, fault: number, p: Ptr, size: number, id: number): never {
    const u8 = this.heap.u8;
    const u32 = this.heap.u32;
    const head = p - HEADER_BYTES;
    const offset = faultOffset(u8, p, size, fault);
    const reason =
      fault === FAULT_API
        ? faultReason(fault, u8[head + OFF_API], id)
        : faultReason(fault, readSize(u32, head) + readSizeHigh(u32, head) * 2 ** 32, size);
    const report = this.compose(dumpAddress(u8, u32, p), p, op, reason);
    throw new DebugMemoryError(faultName(fault), op, reason, p, apiOf(id), offset, report);
  }

  /** Join a dump, the traceback section and the closing line, and write it. */
  private compose(dump: string[], p: Ptr, op: string, reason: string): string {
    const report = [...dump, ...tracebackLines(this.traceback, p), `Memory error: ${op}: ${reason}`, ''].join('\n');
    this.write(report);
    return report;
  }

  /**
   * Check the oldest quarantined block before it is given back. A write after
   * free is reported; the dead block then leaves the quarantine (its bytes
   * are the user's stray writes, the inner allocator's are intact) and the
   * error is thrown before the operation that was making room changes anything.
   */
  private checkOldest(op: string): void {
    const u32 = this.heap.u32;
    const ring = this.ring;
    const head = slotHead(u32, ring, 0);
    if (deadIntact(this.heap.u8, u32, head, slotNbytes(u32, ring, 0))) return;
    const error = this.deadError(op, 0);
    ringShift(u32, ring);
    this.inner.free(head);
    throw error;
  }

  /** Report the quarantined block at ring position `i` as written after free. */
  private deadError(op: string, i: number): DebugMemoryError {
    const u8 = this.heap.u8;
    const u32 = this.heap.u32;
    const head = slotHead(u32, this.ring, i);
    const nbytes = slotNbytes(u32, this.ring, i);
    const id = slotApi(u32, this.ring, i);
    const p = head + HEADER_BYTES;
    let at = head;
    while (u8[at] === DEADBYTE) at++;
    const reason = 'write after free: the dead bytes have changed';
    const report = this.compose(dumpDeadBlock(u8, p, nbytes, id), p, op, reason);
    return new DebugMemoryError('write-after-free', op, reason, p, apiOf(id), at - p, report);
  }

  // ---- Allocator queries ---------------------------------------------------------

  /** The requested size of a live block. Throws InvalidFreeError / DoubleFreeError otherwise. */
  usableSize(ptr: Ptr): number {
    const size = this.live.get(ptr);
    if (size === undefined) return this.badPointer(ptr);
    return size;
  }

  owns(ptr: Ptr): boolean {
    return this.live.has(ptr);
  }

  stats(): DebugStats {
    const inner = this.inner.stats();
    let quarantinedBlocks = 0;
    let quarantinedBytes = 0;
    if (this.ring !== 0) {
      const u32 = this.heap.u32;
      quarantinedBlocks = ringCount(u32, this.ring);
      for (let i = 0; i < quarantinedBlocks; i++) quarantinedBytes += slotNbytes(u32, this.ring, i) + DEBUG_EXTRA_BYTES;
    }
    return {
      allocatedBlocks: this.live.size,
      allocatedBytes: this.liveBytes,
      freeBytes: inner.freeBytes,
      heapBytes: this.heap.byteLength,
      peakHeapBytes: this.heap.peakByteLength,
      quarantinedBlocks,
      quarantinedBytes,
      overheadBytes: this.live.size * DEBUG_EXTRA_BYTES,
      inner,
    };
  }

  /**
   * The inner allocator's checkHeap, then every live block's decoration
   * (checked against the family its id byte names) and every quarantined
   * block's dead bytes. A bad block is reported and throws DebugMemoryError;
   * a broken ring throws HeapCorruptionError. Changes nothing.
   */
  checkHeap(): void {
    this.inner.checkHeap();
    const u8 = this.heap.u8;
    const u32 = this.heap.u32;
    for (const [p, size] of this.live) {
      const stored = u8[p - HEADER_BYTES + OFF_API];
      const id = isApiByte(stored) ? stored : this.apiId;
      const fault = findFault(u8, u32, p, size, id);
      if (fault !== FAULT_NONE) this.fail('checkHeap', fault, p, size, id);
    }
    this.checkRing();
  }

  private checkRing(): void {
    const ring = this.ring;
    if (ring === 0) return;
    const u32 = this.heap.u32;
    const count = ringCount(u32, ring);
    if (count > ringCapacity(u32, ring)) throw new HeapCorruptionError('quarantine count <= capacity', ring);
    for (let i = 0; i < count; i++) {
      const head = slotHead(u32, ring, i);
      if (!this.inner.owns(head)) throw new HeapCorruptionError('a quarantined block is allocated in the inner allocator', head);
      if (!deadIntact(this.heap.u8, u32, head, slotNbytes(u32, ring, i))) throw this.deadError('checkHeap', i);
    }
  }

  /**
   * Check and give back every quarantined block, oldest first. A block written
   * after free is reported, given back, and thrown; the rest stay parked.
   * Returns the number of blocks given back.
   */
  flushQuarantine(): number {
    const ring = this.ring;
    if (ring === 0) return 0;
    let n = 0;
    while (ringCount(this.heap.u32, ring) > 0) {
      this.checkOldest('flushQuarantine');
      const head = slotHead(this.heap.u32, ring, 0);
      ringShift(this.heap.u32, ring);
      this.inner.free(head);
      n++;
    }
    return n;
  }
}

/** Wrap `inner` in the debug hooks. */
export function createDebug(inner: Allocator, options?: DebugOptions): DebugAllocator {
  return new DebugAllocator(inner, options);
}
