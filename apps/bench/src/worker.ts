/**
 * Entry point of a contender's worker thread (dist/worker.js): see
 * measure/worker-main.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from './measure/worker-main.js';
import type { WorkerInit } from './measure/protocol.js';

if (!parentPort) throw new Error('worker.js runs as a worker thread of the bench CLI, not on its own');
runWorker(parentPort, workerData as WorkerInit);
