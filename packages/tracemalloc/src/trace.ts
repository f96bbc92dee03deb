/**
 * Trace: one live block as tracemalloc recorded it. Immutable and shared:
 * the tracer stores one per block and snapshots hold the same objects.
 */
import { formatSize } from './format.js';
import type { Traceback } from './frames.js';

export class Trace {
  /** Address space: 0 for blocks of wrapped allocators (CPython's Python domain), others via track(). */
  readonly domain: number;
  /** Bytes requested. */
  readonly size: number;
  readonly traceback: Traceback;
  constructor(domain: number, size: number, traceback: Traceback) {
    this.domain = domain;
    this.size = size;
    this.traceback = traceback;
  }
  /** CPython's `str(trace)`: `file:line: 48 B`. */
  toString(): string {
    return `${this.traceback.toString()}: ${formatSize(this.size, false)}`;
  }
}
