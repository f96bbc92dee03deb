/**
 * The trashcan: objects whose refcount reached zero while another object was
 * being deallocated wait here instead of being deallocated recursively.
 *
 * CPython bounds dealloc recursion with Py_TRASHCAN_BEGIN/END: past a fixed
 * nesting depth it parks objects on a list and frees them once the stack has
 * unwound. A JS engine's stack is much shallower than a C one and its limit is
 * not known up front, so the runtime parks *every* nested deallocation: the
 * JS stack depth of freeing a chain is constant, whether it is 10 or 10^7
 * objects deep. The objects wait in this growable stack of pointers (a JS-side
 * scratch area: it is empty whenever no dealloc is running).
 *
 * Invariants:
 * - every pointer on the stack is a live object with refcount 0, already
 *   untracked by the GC strategy;
 * - the stack is empty whenever the runtime is not inside a dealloc.
 */
const INITIAL_CAPACITY = 1024;

export class DeferredStack {
  private items = new Uint32Array(INITIAL_CAPACITY);
  length = 0;

  push(ptr: number): void {
    if (this.length === this.items.length) this.grow();
    this.items[this.length++] = ptr;
  }

  pop(): number {
    return this.items[--this.length];
  }

  private grow(): void {
    const next = new Uint32Array(this.items.length * 2);
    next.set(this.items);
    this.items = next;
  }
}
