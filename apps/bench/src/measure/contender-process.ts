import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RequestChannel, WorkerFailedError } from './channel.js';
import { parseReplyLine, requestLine, type WorkerRequest } from './protocol.js';

/** Characters of the child's stderr kept for an error message. */
const STDERR_TAIL_CHARS = 500;

/**
 * The main thread's handle on a process contender (cpython): a child started
 * as `command ...args`, requests written to its stdin as lines, replies read
 * from its stdout as JSON lines (measure/protocol.ts). The child lives for one
 * workload, so its allocator is reused by every run, as a worker's is.
 *
 * Tricky: the child's exit is watched through 'close', which comes after its
 * stdout has been read to the end, so a last `failed` line is never lost to
 * an earlier 'exit'.
 */
export class ContenderProcess extends RequestChannel {
  private readonly child: ChildProcess;
  private stderrTail = '';

  constructor(command: string, args: readonly string[]) {
    super();
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    // A write after the child died fails here; 'close' reports why.
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (err) => this.fail(new WorkerFailedError(`${command}: ${err.message}`)));
    this.child.on('close', (code, signal) => this.fail(new WorkerFailedError(this.exitMessage(code, signal))));
  }

  protected post(request: WorkerRequest): void {
    this.child.stdin!.write(requestLine(request));
  }

  protected async terminate(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.kill('SIGKILL');
    await closed;
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    try {
      this.onReply(parseReplyLine(line));
    } catch (err) {
      this.fail(new WorkerFailedError(err instanceof Error ? err.message : String(err)));
      void this.terminate();
    }
  }

  private exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const tail = this.stderrTail.trim().replace(/\s+/g, ' ');
    return `process exited (${how})${tail ? `: ${tail}` : ''}`;
  }
}
