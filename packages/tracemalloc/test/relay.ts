// Callers of the sites, so tracebacks of two frames differ by caller.
import type { Allocator } from '@pymem/core';

export type Site = (a: Allocator, size: number) => number;

export function relay1(site: Site, a: Allocator, size: number): number {
  return site(a, size); // @relay-1
}

export function relay2(site: Site, a: Allocator, size: number): number {
  return site(a, size); // @relay-2
}
