import { it } from 'vitest';
import { CYCLE_STRATEGIES } from './helpers.js';
it.each(CYCLE_STRATEGIES)('time $name', (s) => {
  for (const backend of ['arraybuffer', 'shared'] as const) {
    const py = s.runtime({ heap: { backend } });
    const DEPTH = 100_000;
    let t0 = performance.now();
    let top = py.list.new();
    for (let i = 0; i < DEPTH; i++) { const next = py.list.new([top]); py.decref(top); top = next; }
    const tBuild = performance.now() - t0;
    const holder = py.list.new();
    py.list.append(holder, holder); py.list.append(holder, top); py.decref(top); py.decref(holder);
    t0 = performance.now();
    const r = py.collect();
    console.log(s.name, backend, 'build', tBuild.toFixed(0), 'collect', (performance.now() - t0).toFixed(0), r);
  }
});
