/**
 * Where trial deletion keeps its per-object state: the four bits of the type
 * word that core reserves for the GC strategy (OB_FLAGS_GC_RESERVED), and the
 * GC head, whose meaning depends on the object's state.
 *
 * ```
 *   ptr+4  ob_type (u32)
 *    31   30   29 28   27 .. 25   24          23 ...................... 0
 *   +----+----+-------+----------+-----------+--------------------------+
 *   | T  | B  |colour |  (core)  | FINALIZED |         type id          |
 *   +----+----+-------+----------+-----------+--------------------------+
 *   T: TRACKED   B: BUFFERED   colour: BLACK 0, GRAY 1, WHITE 2, PURPLE 3
 *
 *   GC head by state             gc_next (ptr-8)        gc_prev (ptr-4)
 *   ───────────────────────────  ─────────────────────  ─────────────────────────
 *   black, in no list            0                      0
 *   purple, buffered             next in the buffer     previous in the buffer
 *   purple, held over            next in `held`         previous in `held`
 *   gray (markRoots, scanRoots)  next in `visited`      gray count (i32)
 *   black, in scanBlack          next in `visited`      next on scanBlack's stack
 *   white (scanRoots)            next in `visited`      gray count (0)
 *   white, being disposed of     next in the garbage    previous | PREV_COLLECTING
 * ```
 *
 * Colours (Bacon and Rajan, 2001, section 3):
 *
 * ```
 *              decref to n > 0, track()              markRoots
 *    BLACK ───────────────────────────────> PURPLE ─────────────> GRAY
 *      ▲  ▲                                    ▲                    │ scanRoots
 *      │  │                                    │                    ├─ count > 0, or reached
 *      │  │ scanBlack: reachable from a gray   │ survivor of a      │  by scanBlack ──────> BLACK
 *      │  │ object whose count stayed > 0      │ disposal (held)    │
 *      │  └─────────────────────── WHITE <─────┼────────────────────┘ count == 0
 *      │                             │         │
 *      │                             └─ collectRoots ─> garbage list ─> freed, or survives
 *      └── untrack, destroy (any colour)
 * ```
 *
 * Invariants, between collections:
 * - TRACKED and the colour bits are set on GC objects only (so a set TRACKED
 *   bit alone tells a tracked GC object: no type lookup in the hot loops);
 * - BUFFERED  <=>  the object is in the buffer;  BUFFERED => PURPLE and TRACKED;
 * - gc_next != 0  <=>  the object is in the buffer or in `held`, and then it
 *   is PURPLE; otherwise it is BLACK and both GC-head words are 0;
 * - GRAY and WHITE exist only while collect() runs (WHITE: the garbage list).
 *
 * Tricky: TRACKED is bit 31, so `w & TRACKED` is a negative int32; compare
 * it with 0 or with other masks built from these constants (int32 too),
 * never with an unsigned literal.
 */
import { OB_TYPE, type Ptr } from '@pymem/core';

export const COLOUR_SHIFT = 28;
export const BLACK = 0 << COLOUR_SHIFT;
export const GRAY = 1 << COLOUR_SHIFT;
export const WHITE = 2 << COLOUR_SHIFT;
export const PURPLE = 3 << COLOUR_SHIFT;
export const COLOUR_MASK = 3 << COLOUR_SHIFT;
/** The object is in the candidate buffer. */
export const BUFFERED = 1 << 30;
/** The object takes part in cycle collection (tracked). */
export const TRACKED = 1 << 31;
/** Every bit this strategy owns; equals core's OB_FLAGS_GC_RESERVED. */
export const GC_BITS = COLOUR_MASK | BUFFERED | TRACKED;

/** u32 index of the type word of object `p`. */
export function typeIndex(p: Ptr): number {
  return (p + OB_TYPE) >>> 2;
}

/** The colour bits of `p` (BLACK, GRAY, WHITE or PURPLE). */
export function colourBits(u32: Uint32Array, p: Ptr): number {
  return u32[(p + OB_TYPE) >>> 2] & COLOUR_MASK;
}

/** Recolour `p`, keeping every other bit of its type word. */
export function setColour(u32: Uint32Array, p: Ptr, colour: number): void {
  const i = (p + OB_TYPE) >>> 2;
  u32[i] = (u32[i] & ~COLOUR_MASK) | colour;
}

export function isTrackedBit(u32: Uint32Array, p: Ptr): boolean {
  return (u32[(p + OB_TYPE) >>> 2] & TRACKED) !== 0;
}

export function isBufferedBit(u32: Uint32Array, p: Ptr): boolean {
  return (u32[(p + OB_TYPE) >>> 2] & BUFFERED) !== 0;
}

const NAMES = ['black', 'gray', 'white', 'purple'] as const;

/** The colour's name (cold). */
export function colourName(bits: number): (typeof NAMES)[number] {
  return NAMES[(bits & COLOUR_MASK) >>> COLOUR_SHIFT];
}
