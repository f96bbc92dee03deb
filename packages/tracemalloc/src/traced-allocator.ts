/**
 * TracedAllocator: an Allocator over the same heap that reports each block
 * to its Tracemalloc. The inner allocator runs first; only when it returns
 * are traces touched, so a bad free or an OutOfMemoryError leaves both the
 * heap and the traces as they were.
 *
 *   malloc/calloc   trace the new block (requested bytes)
 *   realloc         untrace the old block, trace the result
 *   free            untrace
 */
import type { Allocator, AllocatorStats, Heap, Ptr, RawAllocator } from '@pymem/core';
import type { Tracemalloc } from './tracemalloc.js';

export class TracedAllocator implements RawAllocator {
  readonly name: string;
  readonly heap: Heap;
  constructor(
    readonly inner: Allocator,
    private readonly tracer: Tracemalloc,
    readonly domain: number,
  ) {
    this.name = `tracemalloc(${inner.name})`;
    this.heap = inner.heap;
  }

  malloc(size: number): Ptr {
    const ptr = this.inner.malloc(size);
    if (this.tracer.tracing) this.tracer.addTrace(this.domain, ptr, size);
    return ptr;
  }

  calloc(count: number, size: number): Ptr {
    const ptr = this.inner.calloc(count, size);
    if (this.tracer.tracing) this.tracer.addTrace(this.domain, ptr, count * size);
    return ptr;
  }

  realloc(ptr: Ptr, size: number): Ptr {
    const moved = this.inner.realloc(ptr, size);
    if (this.tracer.tracing) {
      if (ptr !== 0) this.tracer.removeTrace(this.domain, ptr);
      this.tracer.addTrace(this.domain, moved, size);
    }
    return moved;
  }

  free(ptr: Ptr): void {
    this.inner.free(ptr);
    if (ptr !== 0 && this.tracer.tracing) this.tracer.removeTrace(this.domain, ptr);
  }

  /** Forwarded when the inner allocator is a RawAllocator; TypeError otherwise. */
  mallocAligned(size: number, align: number, headroom?: number): Ptr {
    const inner = this.inner as Partial<RawAllocator>;
    if (typeof inner.mallocAligned !== 'function') throw new TypeError(`${this.inner.name} has no mallocAligned`);
    const ptr = inner.mallocAligned.call(this.inner, size, align, headroom);
    if (this.tracer.tracing) this.tracer.addTrace(this.domain, ptr, size);
    return ptr;
  }

  usableSize(ptr: Ptr): number {
    return this.inner.usableSize(ptr);
  }
  owns(ptr: Ptr): boolean {
    return this.inner.owns(ptr);
  }
  stats(): AllocatorStats {
    return this.inner.stats();
  }
  checkHeap(): void {
    this.inner.checkHeap();
  }
}
