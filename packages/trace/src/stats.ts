import { SMALL_REQUEST_THRESHOLD, ALIGNMENT_SHIFT } from '@pymem/core';
import { OP_CALLOC, OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from './format.js';

/** What a trace asks of an allocator, computed by walking it once (no allocator involved). */
export interface TraceStats {
  events: number;
  mallocs: number;
  frees: number;
  reallocs: number;
  callocs: number;
  /** Max over the trace of the sum of requested sizes of live blocks. */
  peakLiveBytes: number;
  /** Max over the trace of the number of live blocks. */
  peakLiveBlocks: number;
  /** Blocks still live when the trace ends. */
  liveAtEnd: number;
  /** Requests (malloc/calloc/realloc) of 0 bytes. */
  size0: number;
  /** Requests above SMALL_REQUEST_THRESHOLD. */
  large: number;
  /** Fraction of requests with 1 <= size <= 512. */
  fracSmall: number;
  /** Requests per 16-byte size class (index 0: 1..16 ... 31: 497..512). */
  sizeClassCounts: number[];
}

/** Walk the trace once with a model of live sizes. Throws if an event refers to a dead id or binds a live one. */
export function traceStats(trace: Trace): TraceStats {
  const { ops, ids, sizes, nevents } = trace;
  const live = new Float64Array(trace.nids).fill(-1);
  const classes = new Array<number>(SMALL_REQUEST_THRESHOLD >> ALIGNMENT_SHIFT).fill(0);
  const counts = [0, 0, 0, 0];
  let liveBytes = 0;
  let liveBlocks = 0;
  let peakBytes = 0;
  let peakBlocks = 0;
  let size0 = 0;
  let large = 0;
  let small = 0;
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    const size = sizes[i];
    counts[op]++;
    if (op === OP_FREE) {
      if (live[id] < 0) throw new Error(`event ${i}: free of id ${id}, which is not live`);
      liveBytes -= live[id];
      live[id] = -1;
      liveBlocks--;
      continue;
    }
    if (size === 0) size0++;
    else if (size > SMALL_REQUEST_THRESHOLD) large++;
    else {
      small++;
      classes[(size - 1) >> ALIGNMENT_SHIFT]++;
    }
    if (op === OP_REALLOC) {
      if (live[id] < 0) throw new Error(`event ${i}: realloc of id ${id}, which is not live`);
      liveBytes += size - live[id];
    } else {
      if (live[id] >= 0) throw new Error(`event ${i}: ${op === OP_MALLOC ? 'malloc' : 'calloc'} binds id ${id}, which is live`);
      liveBytes += size;
      liveBlocks++;
    }
    live[id] = size;
    if (liveBytes > peakBytes) peakBytes = liveBytes;
    if (liveBlocks > peakBlocks) peakBlocks = liveBlocks;
  }
  const requests = counts[OP_MALLOC] + counts[OP_REALLOC] + counts[OP_CALLOC];
  return {
    events: nevents,
    mallocs: counts[OP_MALLOC],
    frees: counts[OP_FREE],
    reallocs: counts[OP_REALLOC],
    callocs: counts[OP_CALLOC],
    peakLiveBytes: peakBytes,
    peakLiveBlocks: peakBlocks,
    liveAtEnd: liveBlocks,
    size0,
    large,
    fracSmall: requests ? small / requests : 0,
    sizeClassCounts: classes,
  };
}
