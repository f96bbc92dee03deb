// A second file of allocation sites (see site-a.ts).
import type { Allocator } from '@pymem/core';

export function allocB1(a: Allocator, size: number): number {
  return a.malloc(size); // @site-b1
}
