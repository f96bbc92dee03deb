// Compiled and run by scripts/consumer-check.mjs against the packed packages,
// outside the workspace: proves the published types and entry points work.
import { DoubleFreeError, Heap, type Allocator } from '@pymem/core';
import { createPool, type PoolAllocator } from '@pymem/pool';
import { Tlsf } from '@pymem/tlsf';
import { OP_FREE, OP_MALLOC, readTrace, replayChecked, traceStats, writeTrace } from '@pymem/trace';
import { createRuntime, RefcountError, GenerationalGc } from 'pymem';

declare const console: { log(...args: unknown[]): void };

const bytes = writeTrace({
  name: 'tiny',
  nevents: 4,
  nids: 2,
  flags: 12,
  ops: Uint8Array.of(OP_MALLOC, OP_MALLOC, OP_FREE, OP_FREE),
  ids: Uint32Array.of(0, 1, 0, 1),
  sizes: Uint32Array.of(24, 4000, 24, 4000),
});
const trace = readTrace(bytes, 'tiny');
if (traceStats(trace).peakLiveBytes !== 4024) throw new Error('trace stats');

const pool: PoolAllocator = createPool({ backend: 'wasm', maxBytes: 64 << 20 });
const tlsf: Allocator = new Tlsf(new Heap({ maxBytes: 16 << 20 }));
for (const a of [pool, tlsf] as Allocator[]) {
  replayChecked(a, trace);
  const p = a.malloc(40);
  a.free(p);
  let caught = '';
  try {
    a.free(p);
  } catch (e) {
    if (e instanceof DoubleFreeError) caught = e.code;
  }
  if (caught !== 'ERR_DOUBLE_FREE') throw new Error(`${a.name}: double free not detected`);
  a.checkHeap();
}
console.log(`consumer ran: pool and tlsf replayed a trace; ${pool.stats().allocatedBlocks} blocks live`);

// The object runtime through the facade, as a user of the published packages would.

for (const gc of ['none', 'generational', 'trial-deletion', 'mark-sweep'] as const) {
  const py = createRuntime({ gc, heap: { backend: 'shared' } });
  const d = py.fromJS({ name: 'Ada', langs: ['en', 'fr'] });
  const langs = py.dict.getStr(d, 'langs');
  py.list.append(langs, langs);
  py.decref(d);
  const { collected } = py.collect();
  if (gc !== 'none' && collected !== 1) throw new Error(`${gc}: expected to collect the self-holding list, got ${collected}`);
  let caught = '';
  try {
    py.decref(d);
  } catch (e) {
    if (e instanceof RefcountError) caught = e.code;
  }
  if (caught !== 'ERR_REFCOUNT') throw new Error(`${gc}: decref of a freed dict not detected`);
}
const gen = new GenerationalGc();
const py = createRuntime({ gc: gen });
const l = py.list.new();
py.list.append(l, l);
py.decref(l);
if (gen.collect(0).collected !== 1 || gen.getCount()[1] !== 1) throw new Error('generational API');
console.log('consumer ran: createRuntime with every collector');
