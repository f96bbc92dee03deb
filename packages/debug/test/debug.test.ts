import { describe, expect, it } from 'vitest';
import { DoubleFreeError, InvalidFreeError, InvalidSizeError, OutOfMemoryError, PymemError, formatPtr } from '@pymem/core';
import {
  CLEANBYTE,
  DEADBYTE,
  DEBUG_EXTRA_BYTES,
  DebugMemoryError,
  FORBIDDENBYTE,
  HEADER_BYTES,
  TAIL_PAD_BYTES,
} from '../src/index.js';
import { bytes, setup, thrown, type InnerKind } from './helpers.js';

const INNERS: InnerKind[] = ['pool', 'tlsf'];
const BACKENDS = ['arraybuffer', 'wasm'] as const;

describe.each(INNERS)('over %s', (kind) => {
  describe.each(BACKENDS)('%s heap', (backend) => {
    it('lays a block out as [size][API id][7 x 0xFD][0xCD data][8 x 0xFD]', () => {
      const { d, inner } = setup(kind, backend);
      const p = d.mallocApi('m', 21);
      expect(p % 16).toBe(0);
      const head = p - HEADER_BYTES;
      expect(inner.owns(head)).toBe(true);
      expect(inner.usableSize(head)).toBeGreaterThanOrEqual(21 + DEBUG_EXTRA_BYTES);
      expect(bytes(d, head, head + 8)).toEqual([21, 0, 0, 0, 0, 0, 0, 0]);
      expect(d.heap.u8[head + 8]).toBe('m'.charCodeAt(0));
      expect(bytes(d, head + 9, p)).toEqual(Array(7).fill(FORBIDDENBYTE));
      expect(bytes(d, p, p + 21)).toEqual(Array(21).fill(CLEANBYTE));
      expect(bytes(d, p + 21, p + 29)).toEqual(Array(8).fill(FORBIDDENBYTE));
      expect(d.usableSize(p)).toBe(21);
      expect(d.owns(p)).toBe(true);
      d.freeApi('m', p);
      d.checkHeap();
    });

    it('the default family is the object domain, and malloc(0) is a unique freeable block', () => {
      const { d } = setup(kind, backend);
      expect(d.api).toBe('o');
      const a = d.malloc(0);
      const b = d.malloc(0);
      expect(a).not.toBe(b);
      expect(d.heap.u8[a - 8]).toBe('o'.charCodeAt(0));
      expect(bytes(d, a, a + 8)).toEqual(Array(8).fill(FORBIDDENBYTE));
      d.free(a);
      d.free(b);
      d.free(0);
      d.checkHeap();
    });

    it('calloc zeroes the data; the pads are still 0xFD', () => {
      const { d } = setup(kind, backend);
      const p = d.calloc(7, 9);
      expect(d.usableSize(p)).toBe(63);
      expect(bytes(d, p, p + 63)).toEqual(Array(63).fill(0));
      expect(bytes(d, p + 63, p + 71)).toEqual(Array(8).fill(FORBIDDENBYTE));
      d.free(p);
    });

    it('free fills the whole inner block (header, data, tail) with 0xDD', () => {
      const { d, inner } = setup(kind, backend);
      const p = d.malloc(40);
      d.heap.u8.fill(0x11, p, p + 40);
      d.free(p);
      const head = p - HEADER_BYTES;
      expect(bytes(d, head, p + 40 + TAIL_PAD_BYTES)).toEqual(Array(40 + DEBUG_EXTRA_BYTES).fill(DEADBYTE));
      expect(inner.owns(head)).toBe(true); // parked in the quarantine
      expect(d.owns(p)).toBe(false);
      expect(d.stats()).toMatchObject({ allocatedBlocks: 0, allocatedBytes: 0, quarantinedBlocks: 1, quarantinedBytes: 64 });
      expect(d.flushQuarantine()).toBe(1);
      expect(inner.owns(head)).toBe(false);
    });

    it('realloc keeps the data, fills growth 0xCD and moves the guards', () => {
      const { d } = setup(kind, backend);
      let p = d.malloc(10);
      d.heap.u8.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p);
      for (const size of [11, 30, 600, 5000, 3000, 12, 0, 4]) {
        const before = Math.min(d.usableSize(p), size, 10);
        p = d.realloc(p, size);
        expect(d.usableSize(p)).toBe(size);
        expect(bytes(d, p, p + before)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].slice(0, before));
        expect(bytes(d, p + size, p + size + 8)).toEqual(Array(8).fill(FORBIDDENBYTE));
        d.checkHeap();
      }
      // growth beyond the kept bytes is CLEANBYTE
      const q = d.realloc(p, 100);
      expect(bytes(d, q + 4, q + 100)).toEqual(Array(96).fill(CLEANBYTE));
      expect(d.realloc(0, 5)).toBeGreaterThan(0);
      d.free(q);
      d.checkHeap();
    });

    it('a moving realloc retires the old block to the quarantine as 0xDD', () => {
      const { d, inner } = setup(kind, backend);
      const p = d.malloc(16);
      const q = d.realloc(p, 4000);
      expect(q).not.toBe(p);
      expect(bytes(d, p - 16, p + 24)).toEqual(Array(40).fill(DEADBYTE));
      expect(inner.owns(p - 16)).toBe(true);
      expect(() => d.free(p)).toThrow(DoubleFreeError);
      d.free(q);
    });

    it('bad sizes throw InvalidSizeError and exhaustion OutOfMemoryError, changing nothing', () => {
      const { d, inner } = setup(kind, backend, {}, 4 << 20);
      const p = d.malloc(100);
      d.malloc(2_500_000);
      const before = JSON.stringify(inner.stats());
      for (const bad of [-1, 1.5, NaN, Infinity, '3' as unknown as number, 2 ** 40]) {
        expect(() => d.malloc(bad)).toThrow(InvalidSizeError);
        expect(() => d.realloc(p, bad)).toThrow(InvalidSizeError);
        expect(() => d.calloc(bad, 1)).toThrow(InvalidSizeError);
      }
      expect(() => d.malloc(2_000_000)).toThrow(OutOfMemoryError);
      expect(() => d.realloc(p, 2_000_000)).toThrow(OutOfMemoryError);
      expect(JSON.stringify(inner.stats())).toBe(before);
      expect(d.usableSize(p)).toBe(100);
      expect(bytes(d, p, p + 100)).toEqual(Array(100).fill(CLEANBYTE));
      d.checkHeap();
    });
  });
});

describe('guard checks and the report', () => {
  it('an overrun of one byte: CPython report layout, line for line, then DebugMemoryError', () => {
    const { d, inner, reports } = setup();
    const p = d.mallocApi('m', 16);
    d.heap.u8[p + 16] = 0x78;
    const e = thrown(() => d.freeApi('m', p)) as DebugMemoryError;
    expect(e).toBeInstanceOf(DebugMemoryError);
    expect(e).toBeInstanceOf(PymemError);
    expect(e.code).toBe('ERR_DEBUG_MEMORY');
    expect(e.fault).toBe('bad-trailing-pad');
    expect(e).toMatchObject({ ptr: p, api: 'm', offset: 16 });
    expect(reports).toEqual([e.report]);
    const tail = formatPtr(p + 16);
    expect(e.report).toBe(
      [
        `Debug memory block at address p=${formatPtr(p)}: API 'm'`,
        `    16 bytes originally requested`,
        `    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.`,
        `    The 8 pad bytes at tail=${tail} are not all FORBIDDENBYTE (0xfd):`,
        `        at tail+0: 0x78 *** OUCH`,
        `        at tail+1: 0xfd`,
        `        at tail+2: 0xfd`,
        `        at tail+3: 0xfd`,
        `        at tail+4: 0xfd`,
        `        at tail+5: 0xfd`,
        `        at tail+6: 0xfd`,
        `        at tail+7: 0xfd`,
        `    Data at p: cd cd cd cd cd cd cd cd cd cd cd cd cd cd cd cd`,
        ``,
        `Enable tracemalloc to get the memory block allocation traceback`,
        ``,
        `Memory error: free: bad trailing pad byte`,
        ``,
      ].join('\n'),
    );
    // CPython's own test_capi regex (test_buffer_overflow), up to its fatal-error line.
    const regex = new RegExp(
      [
        String.raw`Debug memory block at address p=(?:0x)?[0-9a-fA-F]+: API 'm'\n`,
        String.raw`    16 bytes originally requested\n`,
        String.raw`    The [0-9] pad bytes at p-[0-9] are FORBIDDENBYTE, as expected.\n`,
        String.raw`    The [0-9] pad bytes at tail=(?:0x)?[0-9a-fA-F]+ are not all FORBIDDENBYTE \(0x[0-9a-f]{2}\):\n`,
        String.raw`        at tail\+0: 0x78 \*\*\* OUCH\n`,
        String.raw`        at tail\+1: 0xfd\n`,
        String.raw`        at tail\+2: 0xfd\n`,
        String.raw`        .*\n`,
        String.raw`    Data at p: cd cd cd .*\n`,
        String.raw`\n`,
        String.raw`Enable tracemalloc to get the memory block allocation traceback\n`,
        String.raw`\n`,
      ].join(''),
      's',
    );
    expect(e.report).toMatch(regex);
    // The bad block stays allocated and the heap is intact; repaired, it frees.
    expect(d.owns(p)).toBe(true);
    inner.checkHeap();
    d.heap.u8[p + 16] = FORBIDDENBYTE;
    d.freeApi('m', p);
    d.checkHeap();
  });

  it('an underrun: every leading pad byte listed, OUCH on the bad one, then the bogus-count warning', () => {
    const { d, inner } = setup('tlsf');
    const p = d.malloc(40);
    d.heap.u8.fill(0x41, p, p + 40);
    d.heap.u8[p - 3] = 0x00;
    const e = thrown(() => d.free(p)) as DebugMemoryError;
    expect(e).toMatchObject({ fault: 'bad-leading-pad', offset: -3, api: 'o' });
    const lines = e.report.split('\n');
    expect(lines.slice(0, 13)).toEqual([
      `Debug memory block at address p=${formatPtr(p)}: API 'o'`,
      `    40 bytes originally requested`,
      `    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):`,
      `        at p-7: 0xfd`,
      `        at p-6: 0xfd`,
      `        at p-5: 0xfd`,
      `        at p-4: 0xfd`,
      `        at p-3: 0x00 *** OUCH`,
      `        at p-2: 0xfd`,
      `        at p-1: 0xfd`,
      `    Because memory is corrupted at the start, the count of bytes requested`,
      `       may be bogus, and checking the trailing pad bytes may segfault.`,
      `    The 8 pad bytes at tail=${formatPtr(p + 40)} are FORBIDDENBYTE, as expected.`,
    ]);
    expect(lines[13]).toBe('    Data at p: 41 41 41 41 41 41 41 41 ... 41 41 41 41 41 41 41 41');
    expect(lines.at(-2)).toBe('Memory error: free: bad leading pad byte');
    inner.checkHeap();
    expect(d.owns(p)).toBe(true);
  });

  it('realloc checks the guards first and leaves the block where it was', () => {
    const { d } = setup();
    const p = d.malloc(30);
    d.heap.u8[p + 35] = 1;
    const e = thrown(() => d.realloc(p, 3000)) as DebugMemoryError;
    expect(e).toMatchObject({ fault: 'bad-trailing-pad', offset: 35 });
    expect(e.report).toContain('        at tail+5: 0x01 *** OUCH');
    expect(e.report.trimEnd().split('\n').at(-1)).toBe('Memory error: realloc: bad trailing pad byte');
    expect(d.usableSize(p)).toBe(30);
  });

  it('a corrupted size field is caught before the tail is trusted', () => {
    const { d, inner } = setup();
    const p = d.malloc(100);
    d.heap.u8[p - 16] = 60;
    const e = thrown(() => d.free(p)) as DebugMemoryError;
    expect(e).toMatchObject({ fault: 'bad-size', offset: -16 });
    expect(e.report).toContain('    60 bytes originally requested');
    expect(e.report).toContain('bad size field: the header says 60 bytes, the block was made with 100');
    inner.checkHeap();
    d.heap.u8[p - 13] = 1; // the high word, too
    d.heap.u8[p - 16] = 100;
    expect(thrown(() => d.free(p))).toMatchObject({ fault: 'bad-size', offset: -13 });
  });

  it('freeing with the wrong API family is reported (bad ID) and throws', () => {
    const { d, inner } = setup();
    const p = d.mallocApi('m', 16);
    const e = thrown(() => d.freeApi('r', p)) as DebugMemoryError;
    expect(e).toMatchObject({ fault: 'bad-id', api: 'r', offset: -8 });
    // CPython's test_api_misuse regex, up to its fatal-error line.
    expect(e.report).toMatch(
      new RegExp(
        String.raw`Debug memory block at address p=(?:0x)?[0-9a-fA-F]+: API 'm'\n` +
          String.raw`    16 bytes originally requested\n` +
          String.raw`    The [0-9] pad bytes at p-[0-9] are FORBIDDENBYTE, as expected.\n` +
          String.raw`    The [0-9] pad bytes at tail=(?:0x)?[0-9a-fA-F]+ are FORBIDDENBYTE, as expected.\n` +
          String.raw`    Data at p: cd cd cd .*\n\n` +
          String.raw`Enable tracemalloc to get the memory block allocation traceback\n\n` +
          String.raw`Memory error: free: bad ID: Allocated using API 'm', verified using API 'r'\n`,
      ),
    );
    expect(() => d.free(p)).toThrow(/verified using API 'o'/);
    expect(() => d.reallocApi('o', p, 8)).toThrow(DebugMemoryError);
    inner.checkHeap();
    d.freeApi('m', p);
    expect(() => d.mallocApi('x' as 'r', 1)).toThrow(PymemError);
  });

  it('family views tag their blocks and check them', () => {
    const { d } = setup();
    const raw = d.family('r');
    const mem = d.family('m');
    const p = raw.malloc(10);
    const q = mem.calloc(2, 3);
    expect(d.heap.u8[p - 8]).toBe(0x72);
    expect(d.heap.u8[q - 8]).toBe(0x6d);
    expect(() => mem.free(p)).toThrow(DebugMemoryError);
    const p2 = raw.realloc(p, 2000);
    raw.free(p2);
    mem.free(q);
    expect(raw.stats().allocatedBlocks).toBe(0);
  });

  it('double free, interior and foreign pointers throw core errors and change nothing', () => {
    const { d, inner } = setup('pool', 'arraybuffer', { quarantine: 2 });
    const p = d.malloc(24);
    const keep = d.malloc(24);
    d.free(p);
    expect(() => d.free(p)).toThrow(DoubleFreeError); // in the quarantine
    for (let i = 0; i < 4; i++) d.free(d.malloc(1000 + i)); // p leaves the quarantine
    expect(inner.owns(p - 16)).toBe(false);
    expect(() => d.free(p)).toThrow(DoubleFreeError); // its dead id and pad bytes remain
    expect(() => d.free(keep + 16)).toThrow(InvalidFreeError);
    expect(() => d.free(keep - 16)).toThrow(InvalidFreeError);
    expect(() => d.free(3)).toThrow(InvalidFreeError);
    expect(() => d.usableSize(12345)).toThrow(InvalidFreeError);
    expect(d.owns(keep + 16)).toBe(false);
    expect(d.usableSize(keep)).toBe(24);
    d.free(keep);
    d.checkHeap();
  });

  it('a write after free is caught when the block leaves the quarantine', () => {
    const { d, inner, reports } = setup('tlsf', 'wasm', { quarantine: 3 });
    const p = d.mallocApi('m', 50);
    d.freeApi('m', p);
    d.heap.u8[p + 7] = 0x41; // dangling write
    const others = [d.malloc(8), d.malloc(8), d.malloc(8), d.malloc(8)];
    d.free(others[0]);
    d.free(others[1]);
    // The ring is full (p, others[0], others[1]): the next free must evict p.
    const e = thrown(() => d.free(others[2])) as DebugMemoryError;
    expect(e).toMatchObject({ fault: 'write-after-free', ptr: p, api: 'm', offset: 7 });
    expect(e.report.split('\n').slice(0, 4)).toEqual([
      `Debug memory block at address p=${formatPtr(p)}: API 'm' (freed)`,
      `    50 bytes originally requested`,
      `    The 74 bytes from p-16 to tail+8 are not all DEADBYTE (0xdd):`,
      `        at p+7: 0x41 *** OUCH`,
    ]);
    expect(e.report).toContain('Memory error: free: write after free: the dead bytes have changed');
    expect(reports).toHaveLength(1);
    // The free that was making room did not happen; p has left the quarantine.
    expect(d.owns(others[2])).toBe(true);
    expect(inner.owns(p - 16)).toBe(false);
    inner.checkHeap();
    d.free(others[2]);
    d.free(others[3]);
    d.checkHeap();
  });

  it('checkHeap walks every live block and the quarantine', () => {
    const { d } = setup('pool', 'arraybuffer', { quarantine: 4 });
    const ps = [1, 17, 512, 513, 4000].map((n) => d.malloc(n));
    d.checkHeap();
    d.heap.u8[ps[2] + 513] = 0;
    expect(thrown(() => d.checkHeap())).toMatchObject({ fault: 'bad-trailing-pad', ptr: ps[2], offset: 513 });
    d.heap.u8[ps[2] + 513] = FORBIDDENBYTE;
    d.free(ps[0]);
    d.heap.u8[ps[0] - 16] = 0;
    expect(thrown(() => d.checkHeap())).toMatchObject({ fault: 'write-after-free', ptr: ps[0], offset: -16 });
    expect(d.stats().quarantinedBlocks).toBe(1); // checkHeap changes nothing
  });

  it('without a quarantine, freed blocks go straight back (as in CPython)', () => {
    const { d, inner } = setup('pool', 'arraybuffer', { quarantine: 0 });
    const p = d.malloc(100);
    d.free(p);
    expect(inner.owns(p - 16)).toBe(false);
    expect(() => d.free(p)).toThrow(DoubleFreeError);
    expect(d.flushQuarantine()).toBe(0);
    expect(inner.stats().allocatedBlocks).toBe(0);
  });

  it('the traceback hook ends the report with the allocation frames', () => {
    const frames = new Map<number, string[]>();
    const { d } = setup('pool', 'arraybuffer', { traceback: (ptr) => frames.get(ptr) ?? null });
    const p = d.malloc(8);
    const q = d.malloc(8);
    frames.set(p, ['File "app.ts", line 12', 'File "main.ts", line 3']);
    d.heap.u8[p + 8] = 0;
    d.heap.u8[q + 8] = 0;
    const e = thrown(() => d.free(p)) as DebugMemoryError;
    expect(e.report.split('\n').slice(-6)).toEqual([
      'Memory block allocated at (most recent call first):',
      '  File "app.ts", line 12',
      '  File "main.ts", line 3',
      '',
      'Memory error: free: bad trailing pad byte',
      '',
    ]);
    const e2 = thrown(() => d.free(q)) as DebugMemoryError;
    expect(e2.report).not.toContain('Memory block allocated at');
    expect(e2.report).not.toContain('Enable tracemalloc');
  });

  it('stats count requested bytes, the decoration and the quarantine', () => {
    const { d, inner } = setup();
    const a = d.malloc(10);
    const b = d.malloc(1000);
    d.malloc(0);
    expect(d.stats()).toMatchObject({ allocatedBlocks: 3, allocatedBytes: 1010, overheadBytes: 72, quarantinedBlocks: 0 });
    d.free(a);
    d.free(b);
    const s = d.stats();
    expect(s).toMatchObject({ allocatedBlocks: 1, allocatedBytes: 0, quarantinedBlocks: 2, quarantinedBytes: 1058 });
    expect(s.inner.allocatedBlocks).toBe(inner.stats().allocatedBlocks);
    expect(s.heapBytes).toBe(d.heap.byteLength);
    expect(d.name).toBe('debug');
  });

  it('the default writer is console.error', () => {
    const { d } = setup();
    const p = d.malloc(1);
    d.heap.u8[p + 1] = 0;
    const seen: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void seen.push(...args);
    try {
      const plain = new (d.constructor as typeof import('../src/index.js').DebugAllocator)(d.inner);
      const q = plain.malloc(1);
      plain.heap.u8[q + 1] = 0;
      expect(() => plain.free(q)).toThrow(DebugMemoryError);
    } finally {
      console.error = original;
    }
    expect(seen).toHaveLength(1);
    expect(String(seen[0])).toMatch(/^Debug memory block at address p=0x[0-9a-f]+: API 'o'\n/);
    expect(String(seen[0]).endsWith('bad trailing pad byte')).toBe(true);
  });
});
