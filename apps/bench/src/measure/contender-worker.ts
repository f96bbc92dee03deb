import { Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

/** Milliseconds per second. */
const MS_PER_SECOND = 1000;

/** A request took longer than its timeout; the worker was terminated. */
export class ReplayTimeoutError extends Error {
  /** Events the worker reported done before it was stopped (0 if it reported none). */
  readonly eventsDone: number;
  readonly seconds: number;
  constructor(seconds: number, eventsDone: number) {
    super(`no answer within ${seconds} s`);
    this.name = 'ReplayTimeoutError';
    this.seconds = seconds;
    this.eventsDone = eventsDone;
  }
}

/** The worker answered `failed`, threw, or exited. */
export class WorkerFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFailedError';
  }
}

type Answer = Exclude<WorkerReply, { kind: 'progress' } | { kind: 'failed' }>;

interface Pending {
  resolve(reply: Answer): void;
  reject(err: Error): void;
  onProgress(events: number): void;
  eventsDone: number;
}

/**
 * The main thread's handle on one contender's worker: one request at a time,
 * each with a timeout after which the worker is terminated.
 *
 * States: starting --ready--> idle --request--> busy --answer--> idle
 *         any --failure/timeout/close()--> closed
 */
export class ContenderWorker {
  private readonly worker: Worker;
  private pending: Pending | null = null;
  private closed = false;
  private readonly started: Promise<Answer>;

  constructor(script: URL, init: WorkerInit) {
    this.worker = new Worker(script, { workerData: init });
    this.started = this.expect(() => undefined);
    // Awaited by ready(); until then a failure must not count as unhandled.
    this.started.catch(() => undefined);
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(new WorkerFailedError(`${err.name}: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new WorkerFailedError(`worker exited (code ${code})`)));
  }

  /** Resolves once the worker has built its subject. */
  async ready(timeoutSeconds: number): Promise<void> {
    await this.withTimeout(this.started, timeoutSeconds);
  }

  /** Send one request and wait for its answer (progress goes to `onProgress`). */
  async request(request: WorkerRequest, timeoutSeconds: number, onProgress: (events: number) => void): Promise<Answer> {
    if (this.closed) throw new WorkerFailedError('worker is closed');
    const answer = this.expect(onProgress);
    this.worker.postMessage(request);
    return this.withTimeout(answer, timeoutSeconds);
  }

  /** Stop the worker (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private expect(onProgress: (events: number) => void): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject, onProgress, eventsDone: 0 };
    });
  }

  private async withTimeout(answer: Promise<Answer>, seconds: number): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const done = this.pending?.eventsDone ?? 0;
        reject(new ReplayTimeoutError(seconds, done));
        void this.close();
      }, seconds * MS_PER_SECOND);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onReply(reply: WorkerReply): void {
    const pending = this.pending;
    if (!pending) return;
    if (reply.kind === 'progress') {
      pending.eventsDone = reply.events;
      pending.onProgress(reply.events);
      return;
    }
    this.pending = null;
    if (reply.kind === 'failed') {
      pending.reject(new WorkerFailedError(reply.message));
      void this.close();
    } else {
      pending.resolve(reply);
    }
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = null;
    this.closed = true;
    pending?.reject(err);
  }
}
