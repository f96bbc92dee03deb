/**
 * What happens to a set of unreachable objects once a collector has found
 * it: CPython 3.9+'s sequence, shared by every pymem collector.
 *
 * ```
 *   unreachable ──1──> weakrefs to garbage cleared; callbacks run for the
 *                      weakrefs that are not garbage themselves
 *               ──2──> finalizers run (once per object, PEP 442)
 *               ──3──> resurrected? examined again: whatever a finalizer
 *                      made reachable survives (moved to `old`) ...
 *               ──4──> ... and the rest is cleared (tp_clear), which breaks
 *                      the cycles: refcounts drop to zero and the runtime
 *                      deallocates as usual
 * ```
 *
 * The unreachable list arrives with PREV_COLLECTING set on every object
 * (that flag means "garbage being disposed of"). Objects the runtime frees
 * along the way leave the list through the strategy's `untrack`.
 *
 * `old` is the list survivors join (a strategy's older generation, its list
 * of all objects), or 0: survivors are then unlinked (left untracked by the
 * lists; a strategy without a list of all objects keeps its own flag).
 */
import { OB_FLAG_FINALIZED, OB_TYPE, OB_TYPE_ID_MASK, type Allocator, type GcHost, type Ptr } from '@pymem/core';
import {
  PREV_COLLECTING,
  clearCollecting,
  gcNext,
  listInit,
  listIsEmpty,
  listMerge,
  listMove,
  listRemove,
  listSize,
  newList,
} from './gc-head.js';
import type { UnreachableFinder } from './unreachable.js';

export interface DisposeOptions {
  /** DEBUG_SAVEALL: keep the garbage alive in `garbage` (each entry holds a reference) instead of clearing it. */
  saveAll?: boolean;
  /** gc.garbage: where saved objects go. */
  garbage?: Ptr[];
  /** Called with each unreachable object before anything is done to it (DEBUG_COLLECTABLE). */
  onCollectable?: (ptr: Ptr) => void;
}

export interface DisposeResult {
  /** Objects freed: the garbage that stayed garbage, plus weakrefs freed after their callbacks. */
  collected: number;
  /** Objects found unreachable but resurrected by finalizers. */
  resurrected: number;
}

export class GarbageDisposer {
  /** Scratch lists (sentinels in the heap), reused by every collection. */
  private readonly seen: Ptr;
  private readonly stillUnreachable: Ptr;

  constructor(
    private readonly host: GcHost,
    private readonly finder: UnreachableFinder,
    allocator: Allocator,
  ) {
    this.seen = newList(allocator);
    this.stillUnreachable = newList(allocator);
  }

  /** Dispose of `unreachable` (see the file comment). It ends empty. */
  dispose(unreachable: Ptr, old: Ptr, options: DisposeOptions = {}): DisposeResult {
    if (options.onCollectable) this.eachOf(unreachable, options.onCollectable);
    const freedWeakrefs = this.handleWeakrefs(unreachable);
    const before = listSize(this.host.heap.u32, unreachable);
    let garbage = unreachable;
    if (this.finalizeGarbage(unreachable)) {
      this.handleResurrected(unreachable, old);
      garbage = this.stillUnreachable;
    }
    // Without a finalizer nothing can have resurrected: the count stands.
    const collected = garbage === unreachable ? before : listSize(this.host.heap.u32, garbage);
    const resurrected = before - collected;
    this.deleteGarbage(garbage, old, options);
    return { collected: collected + freedWeakrefs, resurrected };
  }

  /**
   * Step 1. Weakrefs in the garbage are cleared so their callbacks can never
   * run. Weakrefs *to* the garbage are cleared; those with callbacks that are
   * not garbage themselves get their callbacks called, once all are cleared
   * (a callback must not reach garbage through a live weakref).
   * Returns how many of those weakrefs died after their callback.
   */
  private handleWeakrefs(unreachable: Ptr): number {
    const host = this.host;
    const toCall: Ptr[] = [];
    for (let p = gcNext(host.heap.u32, unreachable); p !== unreachable; p = gcNext(host.heap.u32, p)) {
      const u32 = host.heap.u32;
      const type = host.types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
      if (type.id === host.weakrefType) host.clearWeakref(p);
      if (type.weaklistOffset === 0 || u32[(p + type.weaklistOffset) >>> 2] === 0) continue;
      for (const wr of host.weakrefsTo(p)) {
        host.clearWeakref(wr);
        if (!host.weakrefHasCallback(wr) || this.inGarbage(wr)) continue;
        host.incref(wr);
        toCall.push(wr);
      }
    }
    let freed = 0;
    for (const wr of toCall) {
      host.callWeakrefCallback(wr);
      if (host.refcount(wr) === 1) freed++;
      host.decref(wr);
    }
    return freed;
  }

  /** Step 2. Run every pending finalizer once. Returns whether any ran. */
  private finalizeGarbage(unreachable: Ptr): boolean {
    if (!this.anyPendingFinalizer(unreachable)) return false;
    const host = this.host;
    const seen = this.seen;
    let ran = false;
    while (!listIsEmpty(host.heap.u32, unreachable)) {
      const p = gcNext(host.heap.u32, unreachable);
      listMove(host.heap.u32, p, seen);
      const type = host.types[host.heap.u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
      if (type.finalize !== null && !host.isFinalized(p)) {
        host.finalize(p);
        ran = true;
      }
    }
    listMerge(host.heap.u32, seen, unreachable);
    return ran;
  }

  /** Whether some object of the list has a finalizer that has not run (most garbage has none). */
  private anyPendingFinalizer(list: Ptr): boolean {
    const host = this.host;
    const u32 = host.heap.u32;
    for (let p = gcNext(u32, list); p !== list; p = gcNext(u32, p)) {
      const word = u32[(p + OB_TYPE) >>> 2];
      if (host.types[word & OB_TYPE_ID_MASK]!.finalize !== null && (word & OB_FLAG_FINALIZED) === 0) return true;
    }
    return false;
  }

  /**
   * Step 3. Examine the garbage again: what a finalizer made reachable
   * (stored a reference to) survives and joins `old`; the rest stays
   * garbage, in `stillUnreachable`.
   */
  private handleResurrected(unreachable: Ptr, old: Ptr): void {
    const u32 = this.host.heap.u32;
    for (let p = gcNext(u32, unreachable); p !== unreachable; p = gcNext(u32, p)) clearCollecting(u32, p);
    listInit(u32, this.stillUnreachable);
    this.finder.deduceUnreachable(unreachable, this.stillUnreachable);
    this.survive(unreachable, old);
  }

  /** Step 4. Break the cycles: tp_clear each object (or save it, with saveAll). */
  private deleteGarbage(garbage: Ptr, old: Ptr, options: DisposeOptions): void {
    const host = this.host;
    while (!listIsEmpty(host.heap.u32, garbage)) {
      const p = gcNext(host.heap.u32, garbage);
      if (options.saveAll) {
        host.incref(p);
        options.garbage?.push(p);
      } else {
        host.incref(p);
        host.clear(p);
        host.decref(p);
      }
      // Still here (not freed by the clear)? It lives on, maybe to die later.
      if (gcNext(host.heap.u32, garbage) === p) this.surviveOne(p, old);
    }
  }

  private survive(list: Ptr, old: Ptr): void {
    const u32 = this.host.heap.u32;
    while (!listIsEmpty(u32, list)) this.surviveOne(gcNext(u32, list), old);
  }

  private surviveOne(p: Ptr, old: Ptr): void {
    const u32 = this.host.heap.u32;
    clearCollecting(u32, p);
    if (old !== 0) listMove(u32, p, old);
    else listRemove(u32, p);
  }

  /** Whether a (GC) object is in the garbage being disposed of. */
  private inGarbage(p: Ptr): boolean {
    const u32 = this.host.heap.u32;
    return u32[(p - 8) >>> 2] !== 0 && (u32[(p - 4) >>> 2] & PREV_COLLECTING) !== 0;
  }

  private eachOf(list: Ptr, fn: (p: Ptr) => void): void {
    const u32 = this.host.heap.u32;
    for (let p = gcNext(u32, list); p !== list; p = gcNext(u32, p)) fn(p);
  }
}
