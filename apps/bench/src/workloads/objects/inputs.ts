/*
 * Inputs the object workloads share. JS strings are made once, in prepare,
 * so a timed run measures the runtime making objects from them, not V8
 * making strings.
 */

/**
 * CPython caches the ints -5..256 as immortal objects (@pymem/objects does
 * too), so `int.new(v)` allocates nothing for them. Values from here on
 * always make a new object.
 */
export const FIRST_UNCACHED_INT = 1_000;

/** Shortest and longest text of shortStrings. */
const MIN_TEXT = 3;
const MAX_TEXT = 8;
/** Knuth's multiplicative hash constant: spreads k over 32 bits, so the texts differ early. */
const SPREAD = 2_654_435_761;
const RADIX = 36;

/** `count` distinct ASCII texts of MIN_TEXT..MAX_TEXT characters, the same every time. */
export function shortStrings(count: number): string[] {
  const texts: string[] = [];
  for (let k = 0; k < count; k++) {
    const length = MIN_TEXT + (k % (MAX_TEXT - MIN_TEXT + 1));
    const body = `${(Math.imul(k + 1, SPREAD) >>> 0).toString(RADIX)}${k.toString(RADIX)}`;
    texts.push(body.slice(-length).padStart(length, '_'));
  }
  if (new Set(texts).size !== count) throw new Error(`shortStrings(${count}) made duplicate texts`);
  return texts;
}
