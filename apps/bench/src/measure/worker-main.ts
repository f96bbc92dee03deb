import type { MessagePort } from 'node:worker_threads';
import type { ReplaySubject } from '../contenders/api.js';
import { getContender } from '../contenders/registry.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

/** Nanoseconds per second, for the measuring pass's duration. */
const NS_PER_SECOND = 1e9;

/**
 * A contender's worker: build the one subject this isolate will ever see,
 * then answer requests until terminated. The clock covers `replay()` only.
 */
export function runWorker(port: MessagePort, init: WorkerInit): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let subject: ReplaySubject;
  try {
    subject = getContender(init.contender).create(init);
  } catch (err) {
    send({ kind: 'failed', message: describe(err) });
    return;
  }
  const progress = (events: number): void => send({ kind: 'progress', events });
  port.on('message', (request: WorkerRequest) => {
    try {
      if (request.kind === 'measure') send(measure(subject, progress));
      else send(replay(subject));
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

function replay(subject: ReplaySubject): WorkerReply {
  const t0 = process.hrtime.bigint();
  subject.replay();
  const t1 = process.hrtime.bigint();
  subject.releaseLeftovers();
  return { kind: 'replayed', ns: Number(t1 - t0) };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
