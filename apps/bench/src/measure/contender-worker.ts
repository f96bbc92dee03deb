import { Worker } from 'node:worker_threads';
import { RequestChannel, WorkerFailedError } from './channel.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

export { ReplayTimeoutError, WorkerFailedError } from './channel.js';

/**
 * The main thread's handle on one contender's worker thread (dist/worker.js):
 * requests go out with postMessage, replies come back as messages. Timeouts
 * and states: RequestChannel.
 */
export class ContenderWorker extends RequestChannel {
  private readonly worker: Worker;

  constructor(script: URL, init: WorkerInit) {
    super();
    this.worker = new Worker(script, { workerData: init });
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(new WorkerFailedError(`${err.name}: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new WorkerFailedError(`worker exited (code ${code})`)));
  }

  protected post(request: WorkerRequest): void {
    this.worker.postMessage(request);
  }

  protected async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
