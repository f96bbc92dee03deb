import { Objects } from '@pymem/objects';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { expect, it } from 'vitest';
import { markSweepGc } from '../src/index.js';

it('the README usage example does what its comments say', () => {
  const gc = markSweepGc({ threshold: 10_000 });
  const rt = new Runtime({ allocator: createPool(), gc });
  const o = new Objects(rt);
  const freedBefore = rt.stats().freedObjects;

  const tmp = o.list.new();
  rt.decref(tmp);
  expect(rt.stats().freedObjects).toBe(freedBefore + 1);

  const a = o.list.new();
  const b = o.list.new([a]);
  o.list.append(a, b);
  const root = gc.addRoot(a);
  rt.decref(a);
  rt.decref(b);
  expect(rt.collect()).toEqual({ collected: 0, uncollectable: 0 });
  gc.removeRoot(root);
  expect(rt.collect()).toEqual({ collected: 2, uncollectable: 0 });
  expect(gc.stats()).toMatchObject({ collections: 2, marked: 0, swept: 2, collected: 2 });
  expect(() => gc.removeRoot(root)).toThrow('root handle 0x200000: already removed');
});
