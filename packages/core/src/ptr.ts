/**
 * A pointer is a byte offset into a {@link Heap}: a plain number, 0 is NULL.
 * It is a type alias (not a branded type) so hot paths pay nothing for it.
 */
export type Ptr = number;

/** Format a pointer the way CPython prints addresses: `0x` and lowercase hex. */
export function formatPtr(ptr: number): string {
  if (!Number.isFinite(ptr)) return String(ptr);
  return ptr < 0 ? `-0x${(-ptr).toString(16)}` : `0x${ptr.toString(16)}`;
}
