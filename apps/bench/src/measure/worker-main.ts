import type { MessagePort } from 'node:worker_threads';
import type { ReplaySubject } from '../contenders/api.js';
import { getWorkerContender } from '../contenders/registry.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

/** Nanoseconds per second, for the measuring pass's duration. */
const NS_PER_SECOND = 1e9;

/**
 * A contender's worker: build the one subject this isolate will ever see,
 * then answer requests until terminated. The clock covers `replay()` only.
 * Tricky: the subject's methods are called from these call sites only, with
 * one subject class per isolate, which keeps them monomorphic.
 */
export function runWorker(port: MessagePort, init: WorkerInit): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let subject: ReplaySubject;
  try {
    subject = getWorkerContender(init.contender).create(init);
  } catch (err) {
    send({ kind: 'failed', message: describe(err) });
    return;
  }
  const progress = (events: number): void => send({ kind: 'progress', events });
  port.on('message', (request: WorkerRequest) => {
    try {
      if (request.kind === 'measure') send(measure(subject, progress));
      else send(replay(subject, request.count));
    } catch (err) {
      send({ kind: 'failed', message: describe(err) });
    }
  });
  send({ kind: 'ready' });
}

function measure(subject: ReplaySubject, progress: (events: number) => void): WorkerReply {
  const t0 = process.hrtime.bigint();
  const found = subject.measure(progress);
  const seconds = Number(process.hrtime.bigint() - t0) / NS_PER_SECOND;
  return { kind: 'measured', ...found, seconds };
}

/** `count` replays; the clock runs during each replay only, not while the leftovers are freed. */
function replay(subject: ReplaySubject, count: number): WorkerReply {
  let ns = 0n;
  for (let k = 0; k < count; k++) {
    const t0 = process.hrtime.bigint();
    subject.replay();
    ns += process.hrtime.bigint() - t0;
    subject.releaseLeftovers();
  }
  return { kind: 'replayed', ns: Number(ns) };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
