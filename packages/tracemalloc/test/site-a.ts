// Allocation sites for the tests: each marked line allocates, and tests find
// the line by its marker so the expected line numbers never go stale.
import type { Allocator } from '@pymem/core';

export function allocA1(a: Allocator, size: number): number {
  return a.malloc(size); // @site-a1
}

export function allocA2(a: Allocator, size: number): number {
  const ptr = a.calloc(1, size); // @site-a2
  return ptr;
}
