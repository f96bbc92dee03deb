import cliProgress from 'cli-progress';

/**
 * Progress of a whole bench run, counted in runs (every measuring pass,
 * warm-up and timed run of every contender on every workload).
 */
export interface Progress {
  /** The bench starts with `total` runs planned. */
  start(total: number): void;
  /** The plan changed (a slow contender got fewer runs, one dropped out). */
  addTotal(delta: number): void;
  /** What is replaying now and how far into it (0..1). */
  update(label: string, fraction: number): void;
  /** One run finished. */
  completeOne(): void;
  /** A line worth reading while the run goes on (a workload starts, a contender is cut short). */
  note(text: string): void;
  stop(): void;
}

/** No output at all (tests, --no-progress). */
export class SilentProgress implements Progress {
  start(): void {}
  addTotal(): void {}
  update(): void {}
  completeOne(): void {}
  note(): void {}
  stop(): void {}
}

/** Notes only, one line each: for logs and CI, where a redrawn bar is noise. */
export class LineProgress implements Progress {
  constructor(private readonly write: (text: string) => void) {}
  start(): void {}
  addTotal(): void {}
  update(): void {}
  completeOne(): void {}
  note(text: string): void {
    this.write(`${text}\n`);
  }
  stop(): void {}
}

/** A cli-progress bar on a terminal (stderr), with notes printed above it. */
export class BarProgress implements Progress {
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;
  private total = 0;
  private done = 0;
  private label = '';

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: ' {bar} {percentage}% | {done}/{total} runs | {label}',
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number): void {
    this.total = total;
    this.bar = this.multi.create(total, 0, { done: 0, label: 'starting workers' });
  }

  addTotal(delta: number): void {
    this.total += delta;
    this.bar?.setTotal(this.total);
    this.redraw(0);
  }

  update(label: string, fraction: number): void {
    this.label = label;
    this.redraw(fraction);
  }

  completeOne(): void {
    this.done++;
    this.redraw(0);
  }

  note(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    this.multi.stop();
    this.bar = null;
  }

  private redraw(fraction: number): void {
    this.bar?.update(this.done + fraction, { done: this.done, label: this.label });
  }
}
