import type { MessagePort } from 'node:worker_threads';
import type { ReplaySubject } from '../contenders/api.js';
import { getWorkerContender } from '../contenders/registry.js';
import { RuntimeSubject } from '../runtime/subject.js';
import type { AllocWorkerInit, RuntimeWorkerInit, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

/** Nanoseconds per second, for the measuring pass's duration. */
const NS_PER_SECOND = 1e9;

/** What a worker does with the two requests, whatever its job. */
interface Served {
  measure(progress: (units: number) => void): WorkerReply;
  replay(count: number): WorkerReply;
}

/**
 * A contender's worker: build the one subject this isolate will ever see,
 * then answer requests until terminated.
 * Tricky: the subject's methods are called from these call sites only, with
 * one subject class (one allocator, one workload) per isolate, which keeps
 * them monomorphic.
 */
export function runWorker(port: MessagePort, init: WorkerInit): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let served: Served;
  try {
    served = init.job === 'runtime' ? serveRuntime(init) : serveAlloc(init);
  } catch (err) {
    send({ kind: 'failed', message: describe(err) });
    return;
  }
  const progress = (units: number): void => send({ kind: 'progress', events: units });
  port.on('message', (request: WorkerRequest) => {
    try {
      send(request.kind === 'measure' ? served.measure(progress) : served.replay(request.count));
    } catch (err) {
      send({ kind: 'failed', message: describe(err) });
    }
  });
  send({ kind: 'ready' });
}

/** `alloc`: the clock covers `replay()` only; leftovers are freed off the clock. */
function serveAlloc(init: AllocWorkerInit): Served {
  const subject = getWorkerContender(init.contender).create(init);
  return {
    measure: (progress) => {
      const t0 = process.hrtime.bigint();
      const found = subject.measure(progress);
      return { kind: 'measured', ...found, seconds: secondsSince(t0) };
    },
    replay: (count) => ({ kind: 'replayed', ns: replayTrace(subject, count) }),
  };
}

/** `count` replays; the clock runs during each replay only, not while the leftovers are freed. */
function replayTrace(subject: ReplaySubject, count: number): number {
  let ns = 0n;
  for (let k = 0; k < count; k++) {
    const t0 = process.hrtime.bigint();
    subject.replay();
    ns += process.hrtime.bigint() - t0;
    subject.releaseLeftovers();
  }
  return Number(ns);
}

/** Runtime workloads: the subject times each phase itself and checks each run off the clock. */
function serveRuntime(init: RuntimeWorkerInit): Served {
  const subject = new RuntimeSubject(init);
  return {
    measure: () => {
      const t0 = process.hrtime.bigint();
      const found = subject.measure();
      return { kind: 'measured', ...found, seconds: secondsSince(t0) };
    },
    replay: (count) => ({ kind: 'replayed', ...subject.replay(count) }),
  };
}

function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / NS_PER_SECOND;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
