/**
 * Frame and Traceback: CPython's tracemalloc value types.
 *
 * A Traceback holds its frames oldest first (CPython's order since 3.7), so
 * `traceback.frames[0]` is the outermost call kept and the last frame is the
 * line that allocated. `toString()` prints the first frame, as CPython's
 * `str(traceback)` does; for 'lineno' and 'filename' statistics the
 * traceback has one frame, the allocating line.
 *
 * Invariants:
 *   frames.length >= 1 (an unknown stack is one frame `<unknown>:0`)
 *   key === frames.map(String).join('\n'): equal keys <=> equal tracebacks
 */

/** Where a frame could not be found (CPython: `<unknown>`, line 0). */
export const UNKNOWN_FILENAME = '<unknown>';

export class Frame {
  readonly filename: string;
  readonly lineno: number;
  constructor(filename: string, lineno: number) {
    this.filename = filename;
    this.lineno = lineno;
  }
  /** `file:line`, CPython's `str(frame)`. */
  toString(): string {
    return `${this.filename}:${this.lineno}`;
  }
  equals(other: Frame): boolean {
    return this.filename === other.filename && this.lineno === other.lineno;
  }
}

/** CPython's tuple order on (filename, lineno): -1, 0 or 1. */
export function compareFrames(a: Frame, b: Frame): number {
  if (a.filename !== b.filename) return a.filename < b.filename ? -1 : 1;
  return a.lineno === b.lineno ? 0 : a.lineno < b.lineno ? -1 : 1;
}

export class Traceback {
  /** Oldest frame first; the last one allocated. */
  readonly frames: readonly Frame[];
  /** Frames the stack had before it was cut to the limit (CPython's `total_nframe`), or null when unknown. */
  readonly totalNframe: number | null;
  /** The frames as one string: the identity used to group and intern. */
  readonly key: string;

  constructor(frames: readonly Frame[], totalNframe: number | null = null) {
    if (frames.length === 0) throw new RangeError('a traceback has at least one frame');
    this.frames = frames;
    this.totalNframe = totalNframe;
    this.key = frames.map(String).join('\n');
  }

  /** Build from frames listed most recent first (the order the stack is read in). */
  static fromMostRecentFirst(frames: readonly Frame[], totalNframe: number | null = null): Traceback {
    return new Traceback([...frames].reverse(), totalNframe);
  }

  get length(): number {
    return this.frames.length;
  }

  [Symbol.iterator](): Iterator<Frame> {
    return this.frames[Symbol.iterator]();
  }

  /** CPython's `str(traceback)`: the first (oldest kept) frame. */
  toString(): string {
    return this.frames[0].toString();
  }

  equals(other: Traceback): boolean {
    return this.key === other.key;
  }

  /**
   * Lines `  File "name", line N`, CPython's `Traceback.format()` without the
   * source line. `limit` > 0 keeps the most recent `limit` frames, < 0 the
   * oldest `-limit`; `mostRecentFirst` reverses the order.
   */
  format(limit: number | null = null, mostRecentFirst = false): string[] {
    let frames = this.frames.slice();
    if (limit !== null) frames = limit > 0 ? frames.slice(-limit) : frames.slice(0, limit);
    if (mostRecentFirst) frames.reverse();
    return frames.map((f) => `  File "${f.filename}", line ${f.lineno}`);
  }
}

/** CPython's tuple order on tracebacks (frames oldest first, then length). */
export function compareTracebacks(a: Traceback, b: Traceback): number {
  const n = Math.min(a.frames.length, b.frames.length);
  for (let i = 0; i < n; i++) {
    const c = compareFrames(a.frames[i], b.frames[i]);
    if (c !== 0) return c;
  }
  return a.frames.length - b.frames.length;
}
