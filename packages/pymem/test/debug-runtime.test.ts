import { describe, expect, it } from 'vitest';
import { LIST_ALLOCATED, LIST_ITEMS } from '@pymem/objects';
import { createDebug, createPool, createRuntime, createTracemalloc, DebugAllocator, DebugMemoryError } from '../src/index.js';

describe("createRuntime({ allocator: 'debug' })", () => {
  it('runs objects over the debug hooks and catches a write past a list item array', () => {
    expect(createRuntime({ allocator: 'debug' }).allocator).toBeInstanceOf(DebugAllocator);
    // The same stack with the report captured: the debug hooks over a pool, built by hand.
    const lines: string[] = [];
    const allocator = createDebug(createPool({ backend: 'shared' }), { write: (text: string) => void lines.push(text) });
    const py = createRuntime({ allocator, gc: 'generational' });
    const l = py.fromJS([1, 2, 3, 'four', [5]]);
    expect(py.toJS(l)).toEqual([1, 2, 3, 'four', [5]]);
    // Write one item past the end of the item array (allocated slots): the tail guard.
    const items = py.heap.u32[(l + LIST_ITEMS) >>> 2];
    const allocated = py.heap.u32[(l + LIST_ALLOCATED) >>> 2];
    py.heap.u8[items + allocated * 4] = 0x41;
    let error: unknown;
    try {
      for (let i = 0; i < 64; i++) py.list.append(l, py.None);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DebugMemoryError);
    expect(lines.join('\n')).toMatch(/at tail\+0: 0x41 \*\*\* OUCH/);
    py.heap.u8[items + allocated * 4] = 0xfd; // repair, then everything frees cleanly
    py.decref(l);
    py.allocator.checkHeap();
  });

  it('reports the allocation traceback when tracemalloc wraps the pool under it', () => {
    const tm = createTracemalloc();
    tm.start(1);
    const py = createRuntime({ allocator: tm.wrap(createRuntime().allocator) });
    const s = py.str.new('hello');
    expect(tm.getObjectTraceback(s)?.toString() ?? '').toMatch(/debug-runtime\.test\.ts/);
    py.decref(s);
    tm.stop();
  });
});
