import type { HeapBackend } from '@pymem/core';
import type { Trace } from '@pymem/trace';
import type { RuntimeSuite } from '../runtime/api.js';

/*
 * Messages between the main thread and a contender's worker. One request is
 * in flight at a time; `progress` messages may precede its reply.
 *
 * ```
 *   main                         worker
 *    |   (spawn, WorkerInit)  ->   |  build the subject
 *    |   <- ready                  |
 *    |   measure ->                |  fresh-heap pass
 *    |   <- progress* <- measured  |
 *    |   replay(count) ->          |  count timed replays, leftovers freed off the clock
 *    |   <- replayed               |  (runtime jobs: also the ns of each phase, summed)
 *    |   ...                       |
 *    |   (terminate)               |
 * ```
 * Any failure answers with `failed` (the worker stays usable for nothing else).
 *
 * A process contender (cpython) speaks the same exchange as text, one line
 * each way per message, started as `PROGRAM ...args TRACE_FILE --serve`:
 *
 * ```
 *   main (stdin)                 child (stdout: one JSON WorkerReply per line)
 *    |                             |  decode the trace
 *    |                             |  {"kind":"ready", ...}
 *    |   measure                   |  {"kind":"measured","peakReservedBytes":N,"seconds":S, ...}
 *    |   replay COUNT              |  {"kind":"replayed","ns":N, ...}
 *    |   (kill)                    |  {"kind":"failed","message":"..."} then exit 1, on any failure
 * ```
 * Extra fields in a line are allowed and ignored.
 */

/** workerData of an `alloc` worker: replay a trace through one allocator. */
export interface AllocWorkerInit {
  job: 'alloc';
  contender: string;
  backend: HeapBackend;
  trace: Trace;
  peakLiveBytes: number;
  peakLiveBlocks: number;
  liveAtEnd: Uint32Array;
}

/** workerData of a runtime worker (`objects`, `gc`): run one runtime workload on one runtime contender. */
export interface RuntimeWorkerInit {
  job: 'runtime';
  /** Which registry `contender` names: allocators (`objects`, runtime/contenders.ts) or GC strategies (`gc`, runtime/gc-contenders.ts). */
  suite: RuntimeSuite;
  /** A runtime contender's name. */
  contender: string;
  /** A runtime workload's name (runtime/workloads.ts). */
  workload: string;
  backend: HeapBackend;
  /** The runtime's checked mode. */
  checks: boolean;
  /** `gc`: the allocator under the strategy's runtime; `objects`: the contender's own name. */
  allocator: string;
  /** The workload's size (its own unit: objects, rounds, chain depth). */
  size: number;
}

/** The worker's workerData: which kind of job decides what the worker builds. */
export type WorkerInit = AllocWorkerInit | RuntimeWorkerInit;

/** `replay` repeats the timed replay `count` times and answers the summed replay time. */
export type WorkerRequest = { kind: 'measure' } | { kind: 'replay'; count: number };

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'progress'; events: number }
  | {
      kind: 'measured';
      peakReservedBytes: number;
      remark?: string;
      reservedParts?: Record<string, number>;
      /** Runtime jobs: what the measuring pass checked (object counts, chain depths). */
      facts?: Record<string, number>;
      seconds: number;
    }
  | { kind: 'replayed'; ns: number; phasesNs?: number[] }
  | { kind: 'failed'; message: string };

/** The stdin line of a request, for process contenders. */
export function requestLine(request: WorkerRequest): string {
  return request.kind === 'measure' ? 'measure\n' : `replay ${request.count}\n`;
}

/** A process contender's stdout line as a reply; throws on anything that is not one. */
export function parseReplyLine(line: string): WorkerReply {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON reply: ${line.slice(0, 200)}`);
  }
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const num = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`reply "${String(r.kind)}" without a number "${key}": ${line.slice(0, 200)}`);
    return v;
  };
  switch (r.kind) {
    case 'ready':
      return { kind: 'ready' };
    case 'progress':
      return { kind: 'progress', events: num('events') };
    case 'measured':
      return { kind: 'measured', peakReservedBytes: num('peakReservedBytes'), seconds: num('seconds'), ...reservedParts(r.reservedParts) };
    case 'replayed':
      return { kind: 'replayed', ns: num('ns') };
    case 'failed':
      return { kind: 'failed', message: typeof r.message === 'string' ? r.message : line };
    default:
      throw new Error(`unknown reply: ${line.slice(0, 200)}`);
  }
}

function reservedParts(value: unknown): { reservedParts?: Record<string, number> } {
  if (typeof value !== 'object' || value === null) return {};
  const parts = Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number');
  return parts.length > 0 ? { reservedParts: Object.fromEntries(parts) } : {};
}
