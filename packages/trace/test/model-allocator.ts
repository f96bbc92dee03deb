import { ALIGNMENT, DoubleFreeError, Heap, InvalidFreeError, type Allocator, type AllocatorStats } from '@pymem/core';

/**
 * A deliberately simple allocator for testing the replayer: bump allocation
 * over a heap, blocks tracked in a JS Map, nothing ever reused. `overlapEvery`
 * makes it hand out a block overlapping the previous one, to prove the
 * replayer catches broken allocators.
 */
export class BumpAllocator implements Allocator {
  readonly name = 'bump';
  readonly heap = new Heap({ maxBytes: 1 << 30 });
  private top = ALIGNMENT;
  private readonly blocks = new Map<number, number>();
  checks = 0;
  constructor(private readonly overlapEvery = 0) {}

  malloc(size: number): number {
    const n = Math.max(ALIGNMENT, Math.ceil(size / ALIGNMENT) * ALIGNMENT);
    let ptr = this.top;
    if (this.overlapEvery && this.blocks.size % this.overlapEvery === this.overlapEvery - 1 && ptr > ALIGNMENT) ptr -= ALIGNMENT;
    this.top = ptr + n;
    this.heap.grow(this.top);
    this.blocks.set(ptr, size);
    return ptr;
  }
  calloc(count: number, size: number): number {
    const ptr = this.malloc(count * size);
    this.heap.u8.fill(0, ptr, ptr + count * size);
    return ptr;
  }
  realloc(ptr: number, size: number): number {
    if (ptr === 0) return this.malloc(size);
    const old = this.usableSize(ptr);
    const q = this.malloc(size);
    this.heap.u8.copyWithin(q, ptr, ptr + Math.min(old, size));
    this.free(ptr);
    return q;
  }
  free(ptr: number): void {
    if (ptr === 0) return;
    if (!this.blocks.delete(ptr)) {
      throw ptr < this.top ? new DoubleFreeError(ptr) : new InvalidFreeError(ptr, 'never allocated');
    }
  }
  usableSize(ptr: number): number {
    const n = this.blocks.get(ptr);
    if (n === undefined) throw new InvalidFreeError(ptr, 'not live');
    return n;
  }
  owns(ptr: number): boolean {
    return this.blocks.has(ptr);
  }
  stats(): AllocatorStats {
    let bytes = 0;
    for (const n of this.blocks.values()) bytes += n;
    return { allocatedBlocks: this.blocks.size, allocatedBytes: bytes, freeBytes: 0, heapBytes: this.heap.byteLength, peakHeapBytes: this.heap.peakByteLength };
  }
  checkHeap(): void {
    this.checks++;
  }
}
