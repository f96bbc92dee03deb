/**
 * The snapshot file format (little-endian), written by Snapshot.dump():
 *
 *   +--------+---------+---------------+----------+----------+
 *   | magic  | version | tracebackLimit| nstrings | strings..|
 *   |  u32   |   u32   |      u32      |   u32    |          |
 *   +--------+---------+---------------+----------+----------+
 *   | ntracebacks | tracebacks.. | ntraces | traces..        |
 *   |     u32     |              |   u32   |                 |
 *   +-------------+--------------+---------+-----------------+
 *
 *   string     = byteLength u32, UTF-8 bytes
 *   traceback  = totalNframe u32 (NO_TOTAL when unknown), nframe u32,
 *                nframe x (filename string index u32, lineno u32), oldest first
 *   trace      = domain u32, size f64, traceback index u32
 *
 * File names and tracebacks are stored once and referred to by index, so a
 * snapshot of many traces from few call sites stays small.
 *
 * Invariants (checked by load): every index is in range, every count fits
 * the bytes left, and the bytes end exactly after the last trace.
 */
import { PymemError } from '@pymem/core';
import { Frame, Traceback } from './frames.js';
import type { Snapshot } from './snapshot.js';
import { Trace } from './trace.js';

/** "PYTM" read as a little-endian u32. */
export const SNAPSHOT_MAGIC = 0x4d545950;
export const SNAPSHOT_VERSION = 1;
/** totalNframe value meaning "unknown". */
const NO_TOTAL = 0xffffffff;
const U32_BYTES = 4;
const F64_BYTES = 8;

/** Snapshot.load got bytes that are not a snapshot dump. */
export class SnapshotFormatError extends PymemError {
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super('ERR_SNAPSHOT_FORMAT', `not a tracemalloc snapshot (at byte ${offset}): ${reason}`);
    this.offset = offset;
  }
}

class Writer {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u32(v: number): void {
    this.reserve(U32_BYTES);
    this.view.setUint32(this.length, v, true);
    this.length += U32_BYTES;
  }
  f64(v: number): void {
    this.reserve(F64_BYTES);
    this.view.setFloat64(this.length, v, true);
    this.length += F64_BYTES;
  }
  raw(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const strings = new Map<string, number>();
  const tracebacks = new Map<Traceback, number>();
  for (const trace of snapshot.traces) {
    if (tracebacks.has(trace.traceback)) continue;
    tracebacks.set(trace.traceback, tracebacks.size);
    for (const frame of trace.traceback.frames) if (!strings.has(frame.filename)) strings.set(frame.filename, strings.size);
  }
  const w = new Writer();
  const encoder = new TextEncoder();
  w.u32(SNAPSHOT_MAGIC);
  w.u32(SNAPSHOT_VERSION);
  w.u32(snapshot.traceback_limit);
  w.u32(strings.size);
  for (const s of strings.keys()) w.raw(encoder.encode(s));
  w.u32(tracebacks.size);
  for (const tb of tracebacks.keys()) {
    w.u32(tb.totalNframe ?? NO_TOTAL);
    w.u32(tb.frames.length);
    for (const f of tb.frames) {
      w.u32(strings.get(f.filename)!);
      w.u32(f.lineno);
    }
  }
  w.u32(snapshot.traces.length);
  for (const trace of snapshot.traces) {
    w.u32(trace.domain);
    w.f64(trace.size);
    w.u32(tracebacks.get(trace.traceback)!);
  }
  return w.result();
}

class Reader {
  private readonly view: DataView;
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (this.offset + n > this.bytes.length) throw new SnapshotFormatError(this.offset, `truncated ${what}`);
  }
  u32(what: string): number {
    this.need(U32_BYTES, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += U32_BYTES;
    return v;
  }
  f64(what: string): number {
    this.need(F64_BYTES, what);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += F64_BYTES;
    return v;
  }
  /** A count of items of at least `minBytes` each that must fit the bytes left. */
  count(minBytes: number, what: string): number {
    const n = this.u32(what);
    this.need(n * minBytes, what);
    return n;
  }
  index(limit: number, what: string): number {
    const at = this.offset;
    const i = this.u32(what);
    if (i >= limit) throw new SnapshotFormatError(at, `${what} index ${i} out of range (${limit})`);
    return i;
  }
  string(decoder: InstanceType<typeof TextDecoder>): string {
    const n = this.count(1, 'string');
    const s = decoder.decode(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }
  atEnd(): boolean {
    return this.offset === this.bytes.length;
  }
}

export function decodeSnapshot(bytes: Uint8Array): { traces: Trace[]; tracebackLimit: number } {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotFormatError(0, 'expected a Uint8Array');
  const r = new Reader(bytes);
  if (r.u32('magic') !== SNAPSHOT_MAGIC) throw new SnapshotFormatError(0, 'bad magic');
  const version = r.u32('version');
  if (version !== SNAPSHOT_VERSION) throw new SnapshotFormatError(U32_BYTES, `unsupported version ${version}`);
  const tracebackLimit = r.u32('traceback limit');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const strings: string[] = [];
  for (let n = r.count(U32_BYTES, 'string table'); n > 0; n--) strings.push(r.string(decoder));
  const frames = new Map<string, Frame>();
  const tracebacks: Traceback[] = [];
  for (let n = r.count(2 * U32_BYTES, 'traceback table'); n > 0; n--) tracebacks.push(readTraceback(r, strings, frames));
  const traces: Trace[] = [];
  for (let n = r.count(2 * U32_BYTES + F64_BYTES, 'trace table'); n > 0; n--) {
    const domain = r.u32('trace domain');
    const size = r.f64('trace size');
    traces.push(new Trace(domain, size, tracebacks[r.index(tracebacks.length, 'traceback')]));
  }
  if (!r.atEnd()) throw new SnapshotFormatError(r.offset, 'trailing bytes');
  return { traces, tracebackLimit };
}

function readTraceback(r: Reader, strings: string[], frames: Map<string, Frame>): Traceback {
  const total = r.u32('traceback total');
  const at = r.offset;
  const n = r.count(2 * U32_BYTES, 'traceback frames');
  if (n === 0) throw new SnapshotFormatError(at, 'traceback without frames');
  const list: Frame[] = [];
  for (let i = 0; i < n; i++) {
    const filename = strings[r.index(strings.length, 'filename')];
    const lineno = r.u32('lineno');
    const key = `${filename}:${lineno}`;
    let frame = frames.get(key);
    if (frame === undefined) {
      frame = new Frame(filename, lineno);
      frames.set(key, frame);
    }
    list.push(frame);
  }
  return new Traceback(list, total === NO_TOTAL ? null : total);
}
