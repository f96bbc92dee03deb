import type { GcHost, GcResult, GcStrategy, Ptr } from '@pymem/core';
import { GarbageDisposer, UnreachableFinder, isTracked, listAppend, listInit, listRemove, newList, type DisposeOptions } from '../src/index.js';

/**
 * The smallest full collector gc-common makes possible: every GC object in
 * one list; collect = deduce the unreachable part, dispose of it.
 */
export class OneListCollector implements GcStrategy {
  readonly name = 'one-list';
  readonly wantsDecref = false;
  host!: GcHost;
  all = 0;
  private unreachable = 0;
  private finder!: UnreachableFinder;
  private disposer!: GarbageDisposer;
  readonly garbage: Ptr[] = [];
  options: DisposeOptions = {};

  attach(host: GcHost): void {
    this.host = host;
    this.all = newList(host.allocator);
    this.unreachable = newList(host.allocator);
    this.finder = new UnreachableFinder(host);
    this.disposer = new GarbageDisposer(host, this.finder, host.allocator);
  }
  onCreate(p: Ptr): void {
    this.track(p);
  }
  onDestroy(_p: Ptr): void {}
  track(p: Ptr): void {
    if (!isTracked(this.host.heap.u32, p)) listAppend(this.host.heap.u32, this.all, p);
  }
  untrack(p: Ptr): void {
    if (isTracked(this.host.heap.u32, p)) listRemove(this.host.heap.u32, p);
  }
  isTracked(p: Ptr): boolean {
    return isTracked(this.host.heap.u32, p);
  }
  onDecref(): void {}
  collect(): GcResult {
    listInit(this.host.heap.u32, this.unreachable);
    this.finder.deduceUnreachable(this.all, this.unreachable);
    const { collected } = this.disposer.dispose(this.unreachable, this.all, { ...this.options, garbage: this.garbage });
    return { collected, uncollectable: 0 };
  }
}
