// ns per malloc+free with tracemalloc off vs on (run after `pnpm build`):
//   node bench/alloc-overhead.mjs
import { createPool } from '@pymem/pool';
import { createTracemalloc } from '../dist/index.js';

const N = 200_000;
function site(a, size) {
  return a.malloc(size);
}
function run(label, a) {
  const ptrs = new Array(64).fill(0);
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const k = i & 63;
      if (ptrs[k] !== 0) a.free(ptrs[k]);
      ptrs[k] = site(a, 16 + (i & 255));
    }
    const ns = ((performance.now() - t0) * 1e6) / N;
    if (r === 1) console.log(`${label}: ${ns.toFixed(0)} ns per malloc+free`);
  }
}
const tm = createTracemalloc({ sourceMaps: false });
const a = tm.wrap(createPool());
run('plain pool', createPool());
run('wrapped, tracing off', a);
tm.start(1);
run('tracing on, nframe=1', a);
tm.stop();
tm.start(10);
run('tracing on, nframe=10', a);
