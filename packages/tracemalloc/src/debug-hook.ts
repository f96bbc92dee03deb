/**
 * The bridge to @pymem/debug: a lookup that debug calls when it reports a
 * bad block, so the report shows where the block was allocated, as
 * CPython's does when tracemalloc is on:
 *
 *   Memory block allocated at (most recent call first):
 *     File "/app/src/main.ts", line 12
 *
 * The lookup returns one `File "...", line N` string per frame (debug
 * indents them), most recent call first, or null when the block is untraced (tracemalloc off or the block
 * predates start()).
 */
import type { Ptr } from '@pymem/core';
import type { Tracemalloc } from './tracemalloc.js';

export type TracebackLookup = (ptr: Ptr) => string[] | null;

/** A `(ptr) => lines | null` for @pymem/debug's `traceback` option. */
export function tracebackLookup(tracer: Tracemalloc, domain = 0): TracebackLookup {
  return (ptr: Ptr) => {
    const traceback = tracer.getTraceback(ptr, domain);
    if (traceback === null) return null;
    return traceback.format(null, true).map((line) => line.trimStart());
  };
}
