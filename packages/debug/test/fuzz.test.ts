import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPtr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import { CLEANBYTE, DebugMemoryError, FORBIDDENBYTE, type ApiId } from '../src/index.js';
import { setup, thrown, type InnerKind } from './helpers.js';

/**
 * One corruption: the byte at p-k (k = 1..8: the leading pad and the API id)
 * or at tail+k (k = 0..7) of one block among neighbours of random sizes.
 */
const corruption = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 6 }),
  victim: fc.nat(),
  side: fc.constantFrom('under', 'over'),
  k: fc.integer({ min: 0, max: 7 }),
  value: fc.integer({ min: 0, max: 255 }).filter((v) => v !== FORBIDDENBYTE),
  via: fc.constantFrom('free', 'realloc', 'checkHeap'),
  api: fc.constantFrom<ApiId>('r', 'm', 'o'),
});

function runFuzz(kind: InnerKind, backend: 'arraybuffer' | 'wasm'): void {
  assertProperty(
    fc.property(corruption, ({ sizes, victim, side, k, value, via, api }) => {
      const { d, inner, reports } = setup(kind, backend, { quarantine: 4 });
      const ps = sizes.map((n) => d.mallocApi(api, n));
      const i = victim % ps.length;
      const p = ps[i];
      const size = sizes[i];
      // under: p-1..p-8 (k+1); over: tail+0..tail+7
      const at = side === 'under' ? p - (k + 1) : p + size + k;
      const offset = at - p;
      const isApiByte = offset === -8;
      if (isApiByte && value === api.charCodeAt(0)) return; // not a corruption
      const original = d.heap.u8[at];
      d.heap.u8[at] = value;
      reports.length = 0;
      const e = thrown(() => {
        if (via === 'free') d.freeApi(api, p);
        else if (via === 'realloc') d.reallocApi(api, p, size * 2 + 1);
        else d.checkHeap();
      }) as DebugMemoryError;
      expect(e).toBeInstanceOf(DebugMemoryError);
      expect(e.ptr).toBe(p);
      expect(e.offset).toBe(offset);
      expect(reports).toEqual([e.report]);
      const byte = `0x${value.toString(16).padStart(2, '0')}`;
      if (isApiByte) {
        expect(e.fault).toBe('bad-id');
        expect(e.report).toContain(`verified using API '${via === 'checkHeap' ? 'o' : api}'`);
      } else if (side === 'under') {
        expect(e.fault).toBe('bad-leading-pad');
        expect(e.report).toContain(`        at p-${k + 1}: ${byte} *** OUCH\n`);
        expect(e.report.match(/OUCH/g)).toHaveLength(1);
      } else {
        expect(e.fault).toBe('bad-trailing-pad');
        expect(e.report).toContain(`The 8 pad bytes at tail=${formatPtr(p + size)} are not all FORBIDDENBYTE (0xfd):`);
        expect(e.report).toContain(`        at tail+${k}: ${byte} *** OUCH\n`);
        expect(e.report.match(/OUCH/g)).toHaveLength(1);
        expect(e.report).toContain(`    ${size} bytes originally requested\n`);
      }
      // Nothing changed: the heap is intact, every block still live with its bytes.
      inner.checkHeap();
      ps.forEach((q, j) => {
        expect(d.owns(q)).toBe(true);
        expect(d.usableSize(q)).toBe(sizes[j]);
        expect(d.heap.u8[q + sizes[j] - 1]).toBe(CLEANBYTE);
      });
      // Repaired, every block frees cleanly.
      d.heap.u8[at] = original;
      for (const q of ps) d.freeApi(api, q);
      d.checkHeap();
      expect(d.stats().allocatedBlocks).toBe(0);
    }),
    { numRuns: 300 },
  );
}

describe('fuzz: one-byte overruns and underruns are all caught at the right offset', () => {
  it.each([
    ['pool', 'arraybuffer'],
    ['pool', 'wasm'],
    ['tlsf', 'arraybuffer'],
    ['tlsf', 'wasm'],
  ] as const)('over %s, %s heap', (kind, backend) => runFuzz(kind, backend));
});

/** Operations for the model test: sizes and byte values are all the model needs. */
const op = fc.oneof(
  fc.record({ kind: fc.constant('malloc' as const), size: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('calloc' as const), size: fc.integer({ min: 0, max: 600 }) }),
  fc.record({ kind: fc.constant('realloc' as const), pick: fc.nat(), size: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('write' as const), pick: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

describe('model: contents and fills follow a byte-array model through random operations', () => {
  it.each(['pool', 'tlsf'] as const)('over %s', (kind) => {
    assertProperty(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 0, max: 5 }), (ops, quarantine) => {
        const { d, inner } = setup(kind, 'wasm', { quarantine });
        const model = new Map<number, number[]>();
        const pickOf = (n: number): number => [...model.keys()][n % model.size];
        for (const o of ops) {
          if (o.kind === 'malloc') model.set(d.malloc(o.size), Array<number>(o.size).fill(CLEANBYTE));
          else if (o.kind === 'calloc') model.set(d.calloc(1, o.size), Array<number>(o.size).fill(0));
          else if (model.size === 0) continue;
          else if (o.kind === 'free') {
            const p = pickOf(o.pick);
            d.free(p);
            model.delete(p);
          } else if (o.kind === 'write') {
            const p = pickOf(o.pick);
            const data = model.get(p)!;
            data.fill(o.value);
            d.heap.u8.fill(o.value, p, p + data.length);
          } else {
            const p = pickOf(o.pick);
            const data = model.get(p)!;
            const q = d.realloc(p, o.size);
            model.delete(p);
            const next = data.slice(0, o.size);
            while (next.length < o.size) next.push(CLEANBYTE);
            model.set(q, next);
          }
        }
        for (const [p, data] of model) {
          expect(Array.from(d.heap.u8.subarray(p, p + data.length))).toEqual(data);
          expect(d.usableSize(p)).toBe(data.length);
        }
        expect(d.stats().allocatedBlocks).toBe(model.size);
        d.checkHeap();
        for (const p of model.keys()) d.free(p);
        d.flushQuarantine();
        expect(inner.stats().allocatedBlocks).toBe(quarantine > 0 ? 1 : 0); // the ring itself
      }),
      { numRuns: 60 },
    );
  });
});
