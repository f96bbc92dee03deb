/**
 * The checked mode's record of which addresses hold objects.
 *
 * An object pointer is 8-byte aligned (blocks are 16-aligned, and GC objects
 * start 8 bytes into theirs), so one bit per 8 heap bytes says whether an
 * object lives there. A second bit says an object *was* there and has been
 * freed, so a late decref is reported as the refcount error it is rather than
 * as a pointer that never was an object:
 *
 * ```
 *   address p  ->  word (p >>> 8), bit ((p >>> 3) & 31)
 *   live  freed
 *    1     0     a live object starts at p
 *    0     1     an object started at p and was freed (no object since)
 *    0     0     no object ever started at p
 * ```
 *
 * This is debugging metadata kept on the JS side (1/32 of the heap size per
 * bitset); the runtime keeps no other object state outside the heap.
 *
 * Invariants: `live & freed === 0` for every word.
 */
const OBJECT_ALIGN_SHIFT = 3;
const BITS_PER_WORD_SHIFT = 5;
const WORD_INDEX_SHIFT = OBJECT_ALIGN_SHIFT + BITS_PER_WORD_SHIFT;
const BIT_MASK = 31;

export class ObjectMap {
  private live = new Uint32Array(0);
  private freed = new Uint32Array(0);

  isLive(p: number): boolean {
    const w = p >>> WORD_INDEX_SHIFT;
    return w < this.live.length && (this.live[w] & bit(p)) !== 0;
  }

  wasFreed(p: number): boolean {
    const w = p >>> WORD_INDEX_SHIFT;
    return w < this.freed.length && (this.freed[w] & bit(p)) !== 0;
  }

  markLive(p: number): void {
    const w = p >>> WORD_INDEX_SHIFT;
    if (w >= this.live.length) this.grow(w + 1);
    this.live[w] |= bit(p);
    this.freed[w] &= ~bit(p);
  }

  markFreed(p: number): void {
    const w = p >>> WORD_INDEX_SHIFT;
    this.live[w] &= ~bit(p);
    this.freed[w] |= bit(p);
  }

  private grow(minWords: number): void {
    const words = Math.max(minWords, this.live.length * 2, 1024);
    const live = new Uint32Array(words);
    const freed = new Uint32Array(words);
    live.set(this.live);
    freed.set(this.freed);
    this.live = live;
    this.freed = freed;
  }
}

function bit(p: number): number {
  return 1 << ((p >>> OBJECT_ALIGN_SHIFT) & BIT_MASK);
}
