import type { Allocator, AllocatorStats, Heap, Ptr } from '@pymem/core';
import type { DebugAllocator } from './debug.js';
import type { ApiId } from './layout.js';

/**
 * One API family of a DebugAllocator as an Allocator of its own: what
 * PyMem_RawMalloc, PyMem_Malloc and PyObject_Malloc are to CPython's one
 * debug allocator. Blocks are the debug allocator's, tagged with this
 * family; freeing one through another family is reported and throws.
 */
export class DebugFamily implements Allocator {
  readonly name: string;
  readonly heap: Heap;
  readonly debug: DebugAllocator;
  readonly api: ApiId;

  constructor(debug: DebugAllocator, api: ApiId) {
    this.debug = debug;
    this.api = api;
    this.heap = debug.heap;
    this.name = `debug:${api}`;
  }

  malloc(size: number): Ptr {
    return this.debug.mallocApi(this.api, size);
  }

  calloc(count: number, size: number): Ptr {
    return this.debug.callocApi(this.api, count, size);
  }

  realloc(ptr: Ptr, size: number): Ptr {
    return this.debug.reallocApi(this.api, ptr, size);
  }

  free(ptr: Ptr): void {
    this.debug.freeApi(this.api, ptr);
  }

  usableSize(ptr: Ptr): number {
    return this.debug.usableSize(ptr);
  }

  /** Whether `ptr` is a live block of the debug allocator (of any family). */
  owns(ptr: Ptr): boolean {
    return this.debug.owns(ptr);
  }

  /** The debug allocator's figures (all families together). */
  stats(): AllocatorStats {
    return this.debug.stats();
  }

  checkHeap(): void {
    this.debug.checkHeap();
  }
}
