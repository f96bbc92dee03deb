// Compiled and run by scripts/consumer-check.mjs against the packed packages,
// outside the workspace: proves the published types and entry points work.
import { Heap, InvalidFreeError, type Allocator } from '@pymem/core';
import { readTrace, writeTrace, traceStats, OP_MALLOC, OP_FREE } from '@pymem/trace';

declare const console: { log(...args: unknown[]): void };

const heap: Heap = new Heap({ maxBytes: 1 << 20 });
const bytes = writeTrace({
  name: 'tiny',
  nevents: 2,
  nids: 1,
  flags: 12,
  ops: Uint8Array.of(OP_MALLOC, OP_FREE),
  ids: Uint32Array.of(0, 0),
  sizes: Uint32Array.of(24, 24),
});
const stats = traceStats(readTrace(bytes));
if (stats.peakLiveBytes !== 24) throw new Error('trace stats');
const e = new InvalidFreeError(0x10, 'demo');
const use = (a: Allocator | null): string => (a ? a.name : `${heap.byteLength} ${e.code}`);
console.log(`consumer ran: ${use(null)}`);
