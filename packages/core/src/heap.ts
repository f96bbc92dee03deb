import { HEAP_PAGE_SIZE, MAX_HEAP_BYTES } from './layout.js';
import { InvalidSizeError } from './errors.js';

/**
 * Which kind of memory backs a heap.
 *
 * | backend        | grows | shrinks | views                       |
 * |----------------|-------|---------|-----------------------------|
 * | `arraybuffer`  | yes   | yes     | length-tracking, never replaced |
 * | `shared`       | yes   | no      | replaced on growth (`version` bumps) |
 * | `wasm`         | yes   | no      | replaced on growth (`version` bumps) |
 *
 * Tricky: on Node 20, element access through a typed array over a *resizable*
 * ArrayBuffer is about 3x slower than over a plain one, and over a growable
 * SharedArrayBuffer with length-tracking views about 15x slower. Fixed-length
 * views over a growable SharedArrayBuffer or a WebAssembly.Memory run at full
 * speed, which is why those two backends replace their views on growth.
 * Growing a `wasm` heap detaches the memory's old buffer; after the first
 * detach in an isolate V8 guards every typed-array access against it, which
 * measured 15-25% on allocator replays. `shared` never detaches: the fastest.
 */
export type HeapBackend = 'arraybuffer' | 'shared' | 'wasm';

/**
 * The part of `WebAssembly.Memory` a heap uses. Declared here so that pymem's
 * types do not depend on the DOM lib.
 */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum?: number; shared?: boolean }): WasmMemoryLike;
}

function newWasmMemory(initialPages: number, maximumPages: number): WasmMemoryLike {
  const wasm = (globalThis as unknown as { WebAssembly?: { Memory: WasmMemoryConstructor } }).WebAssembly;
  if (!wasm) throw new InvalidSizeError(0, 'the wasm backend needs WebAssembly, which this platform lacks');
  return new wasm.Memory({ initial: initialPages, maximum: maximumPages });
}

export interface HeapOptions {
  /**
   * Memory to use.
   * @defaultValue `'arraybuffer'` (a resizable ArrayBuffer)
   */
  backend?: HeapBackend;
  /**
   * Initial size in bytes, rounded up to HEAP_PAGE_SIZE (64 KiB). The heap
   * never shrinks below it.
   * @defaultValue 65536
   */
  initialBytes?: number;
  /**
   * Maximum size in bytes, rounded up to HEAP_PAGE_SIZE; at most 4 GiB.
   * @defaultValue 1 GiB
   */
  maxBytes?: number;
  /** Use this WebAssembly.Memory instead of creating one (backend `'wasm'`). */
  memory?: WasmMemoryLike;
}

/** Default maximum heap size: 1 GiB. */
export const DEFAULT_MAX_HEAP_BYTES = 1 << 30;

/**
 * A Heap owns the bytes every allocator and object lives in, and hands out
 * typed views over them. Pointers are byte offsets into it.
 *
 * Views: `u8`, `i32`, `u32`, `f64` always cover the whole heap. Growth may
 * replace them (backends `shared` and `wasm`); `version` then increases. Code
 * that caches a view must re-read it after anything that can grow the heap
 * (hot paths read `heap.u32` into a local once per operation).
 *
 * Invariants:
 *   byteLength % HEAP_PAGE_SIZE == 0
 *   initialByteLength <= byteLength <= maxByteLength <= 4 GiB
 *   u8.length == byteLength
 */
export class Heap {
  readonly backend: HeapBackend;
  readonly initialByteLength: number;
  readonly maxByteLength: number;
  /** True when shrink() can give memory back (backend `arraybuffer`). */
  readonly canShrink: boolean;

  u8!: Uint8Array;
  i32!: Int32Array;
  u32!: Uint32Array;
  f64!: Float64Array;
  /** Increases each time the views above are replaced. */
  version = 0;
  /** Largest byteLength this heap has had since creation or resetPeak(). */
  peakByteLength: number;

  private size: number;
  private readonly rab: ArrayBuffer | null;
  private readonly sab: SharedArrayBuffer | null;
  private readonly memory: WasmMemoryLike | null;

  constructor(options: HeapOptions = {}) {
    const backend = options.backend ?? (options.memory ? 'wasm' : 'arraybuffer');
    const max = roundToPage(options.maxBytes ?? DEFAULT_MAX_HEAP_BYTES, 'maxBytes');
    if (max > MAX_HEAP_BYTES) {
      throw new InvalidSizeError(max, `maxBytes above the 4 GiB a u32 pointer can address`);
    }
    const initial = roundToPage(options.initialBytes ?? HEAP_PAGE_SIZE, 'initialBytes');
    if (initial === 0) throw new InvalidSizeError(0, 'initialBytes must be at least one page');
    if (initial > max) throw new InvalidSizeError(initial, `initialBytes above maxBytes (${max})`);
    this.backend = backend;
    this.maxByteLength = max;
    this.initialByteLength = initial;
    this.canShrink = backend === 'arraybuffer';
    this.rab = null;
    this.sab = null;
    this.memory = null;
    if (backend === 'arraybuffer') {
      this.rab = new ArrayBuffer(initial, { maxByteLength: max });
    } else if (backend === 'shared') {
      this.sab = new SharedArrayBuffer(initial, { maxByteLength: max });
    } else if (backend === 'wasm') {
      this.memory =
        options.memory ?? newWasmMemory(initial / HEAP_PAGE_SIZE, max / HEAP_PAGE_SIZE);
      const have = this.memory.buffer.byteLength;
      if (have < initial) this.memory.grow((initial - have) / HEAP_PAGE_SIZE);
    } else {
      throw new InvalidSizeError(0, `unknown heap backend ${String(backend)}`);
    }
    this.size = this.buffer.byteLength;
    this.peakByteLength = this.size;
    this.makeViews();
  }

  /** The memory itself (the WebAssembly.Memory's current buffer for `wasm`). */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    if (this.rab) return this.rab;
    if (this.sab) return this.sab;
    return this.memory!.buffer;
  }

  /** The WebAssembly.Memory behind a `wasm` heap, else null. */
  get wasmMemory(): WasmMemoryLike | null {
    return this.memory;
  }

  /** Current size in bytes. */
  get byteLength(): number {
    return this.size;
  }

  /**
   * Make the heap at least `minBytes` long (rounded up to a page).
   * Returns false, changing nothing, when that would pass maxByteLength.
   */
  grow(minBytes: number): boolean {
    if (minBytes <= this.size) return true;
    if (minBytes > this.maxByteLength) return false;
    const target = Math.min(roundUpPage(minBytes), this.maxByteLength);
    if (this.rab) {
      this.rab.resize(target);
    } else if (this.sab) {
      this.sab.grow(target);
      this.makeViews();
    } else {
      this.memory!.grow((target - this.size) / HEAP_PAGE_SIZE);
      this.makeViews();
    }
    this.size = target;
    if (target > this.peakByteLength) this.peakByteLength = target;
    return true;
  }

  /**
   * Give memory back: shrink to `bytes` rounded up to a page, but never below
   * initialByteLength. Only the `arraybuffer` backend can; the others keep
   * their size. Returns the new byteLength.
   */
  shrink(bytes: number): number {
    if (!this.rab) return this.size;
    const target = Math.max(roundUpPage(bytes), this.initialByteLength);
    if (target >= this.size) return this.size;
    this.rab.resize(target);
    this.size = target;
    return target;
  }

  /** Restart the high-water mark from the current size. */
  resetPeak(): void {
    this.peakByteLength = this.size;
  }

  private makeViews(): void {
    const buf = this.buffer;
    if (this.rab) {
      // Length-tracking views: they follow resize() by themselves.
      this.u8 = new Uint8Array(buf);
      this.i32 = new Int32Array(buf);
      this.u32 = new Uint32Array(buf);
      this.f64 = new Float64Array(buf);
    } else {
      const n = buf.byteLength;
      this.u8 = new Uint8Array(buf, 0, n);
      this.i32 = new Int32Array(buf, 0, n >>> 2);
      this.u32 = new Uint32Array(buf, 0, n >>> 2);
      this.f64 = new Float64Array(buf, 0, n >>> 3);
      this.version++;
    }
  }
}

function roundToPage(n: number, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new InvalidSizeError(n, `${what} must be a non-negative integer`);
  }
  return roundUpPage(n);
}

function roundUpPage(n: number): number {
  return Math.ceil(n / HEAP_PAGE_SIZE) * HEAP_PAGE_SIZE;
}
