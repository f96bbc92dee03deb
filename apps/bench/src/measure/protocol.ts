import type { HeapBackend } from '@pymem/core';
import type { Trace } from '@pymem/trace';

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
 *    |   <- replayed               |
 *    |   ...                       |
 *    |   (terminate)               |
 * ```
 * Any failure answers with `failed` (the worker stays usable for nothing else).
 */

/** The worker's workerData. */
export interface WorkerInit {
  contender: string;
  backend: HeapBackend;
  trace: Trace;
  peakLiveBytes: number;
  peakLiveBlocks: number;
  liveAtEnd: Uint32Array;
}

/** `replay` repeats the timed replay `count` times and answers the summed replay time. */
export type WorkerRequest = { kind: 'measure' } | { kind: 'replay'; count: number };

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'progress'; events: number }
  | { kind: 'measured'; peakReservedBytes: number; remark?: string; seconds: number }
  | { kind: 'replayed'; ns: number }
  | { kind: 'failed'; message: string };
