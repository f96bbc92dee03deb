import type { WorkerReply, WorkerRequest } from './protocol.js';

/** Milliseconds per second. */
const MS_PER_SECOND = 1000;

/** A request took longer than its timeout; the worker or process was stopped. */
export class ReplayTimeoutError extends Error {
  /** Events the contender reported done before it was stopped (0 if it reported none). */
  readonly eventsDone: number;
  readonly seconds: number;
  constructor(seconds: number, eventsDone: number) {
    super(`no answer within ${seconds} s`);
    this.name = 'ReplayTimeoutError';
    this.seconds = seconds;
    this.eventsDone = eventsDone;
  }
}

/** The contender answered `failed`, threw, or exited. */
export class WorkerFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFailedError';
  }
}

/** A final answer to a request (progress and failures are handled by the channel). */
export type Answer = Exclude<WorkerReply, { kind: 'progress' } | { kind: 'failed' }>;

/** What the runner holds for one contender on one workload, whatever it runs in. */
export interface ContenderHandle {
  /** Resolves once the contender has built its subject (or loaded its trace). */
  ready(timeoutSeconds: number): Promise<void>;
  /** Send one request and wait for its answer (progress goes to `onProgress`). */
  request(request: WorkerRequest, timeoutSeconds: number, onProgress: (events: number) => void): Promise<Answer>;
  /** Stop the contender (idempotent). */
  close(): Promise<void>;
}

interface Pending {
  resolve(reply: Answer): void;
  reject(err: Error): void;
  onProgress(events: number): void;
  eventsDone: number;
}

/**
 * One request at a time to a contender, each with a timeout after which the
 * contender is stopped. Subclasses carry the messages (a worker thread's
 * port, a child process's stdin/stdout) and call onReply() / fail().
 *
 * States: starting --ready--> idle --request--> busy --answer--> idle
 *         any --failure/timeout/close()--> closed
 */
export abstract class RequestChannel implements ContenderHandle {
  private pending: Pending | null = null;
  private closed = false;
  private readonly started: Promise<Answer>;

  constructor() {
    this.started = this.expect(() => undefined);
    // Awaited by ready(); until then a failure must not count as unhandled.
    this.started.catch(() => undefined);
  }

  async ready(timeoutSeconds: number): Promise<void> {
    await this.withTimeout(this.started, timeoutSeconds);
  }

  async request(request: WorkerRequest, timeoutSeconds: number, onProgress: (events: number) => void): Promise<Answer> {
    if (this.closed) throw new WorkerFailedError('worker is closed');
    const answer = this.expect(onProgress);
    this.post(request);
    return this.withTimeout(answer, timeoutSeconds);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.terminate();
  }

  /** Deliver a request to the contender. */
  protected abstract post(request: WorkerRequest): void;
  /** Stop the contender for good. */
  protected abstract terminate(): Promise<void>;

  /** A message from the contender. */
  protected onReply(reply: WorkerReply): void {
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

  /** The contender is gone (crashed, exited): the request in flight fails with `err`. */
  protected fail(err: Error): void {
    const pending = this.pending;
    this.pending = null;
    this.closed = true;
    pending?.reject(err);
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
}
