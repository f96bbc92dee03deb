/**
 * The cold introspection calls of the gc module: get_referrers and
 * get_referents. They allocate (a JS result array, a Set, a closure per
 * call) and validate their arguments through the host's checked methods;
 * nothing here runs during a collection.
 */
import type { GcHost, Ptr } from '@pymem/core';
import { gcNext } from '@pymem/gc-common';

const STOP = 1;
const GO_ON = 0;

/**
 * gc.get_referrers(*objs): every object of `lists` whose traverse visits
 * one of `objs`, each once, in list order.
 */
export function referrersIn(host: GcHost, lists: readonly Ptr[], objs: readonly Ptr[]): Ptr[] {
  for (const obj of objs) host.typeOf(obj); // validates (checked mode)
  const wanted = new Set(objs);
  const found: Ptr[] = [];
  const visit = (child: Ptr): number => (wanted.has(child) ? STOP : GO_ON);
  for (const head of lists) {
    for (let p = gcNext(host.heap.u32, head); p !== head; p = gcNext(host.heap.u32, p)) {
      if (host.traverse(p, visit, 0) !== GO_ON) found.push(p);
    }
  }
  return found;
}

/**
 * gc.get_referents(*objs): what the traverse of each GC object among
 * `objs` visits, in order (duplicates kept, as CPython's list). Objects
 * that are not GC objects contribute nothing.
 */
export function referentsOf(host: GcHost, objs: readonly Ptr[]): Ptr[] {
  for (const obj of objs) host.typeOf(obj); // validates (checked mode)
  const found: Ptr[] = [];
  const visit = (child: Ptr): number => {
    found.push(child);
    return GO_ON;
  };
  for (const obj of objs) {
    if (host.isGc(obj)) host.traverse(obj, visit, 0);
  }
  return found;
}
