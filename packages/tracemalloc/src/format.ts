/**
 * Number formatting exactly as CPython's tracemalloc prints it.
 *
 * `formatSize` follows `_format_size`: walk the units B, KiB, MiB, GiB, TiB,
 * dividing by 1024 each step; print one decimal ("xx.x UNIT") once the value
 * is below 100 in any unit but B, no decimals ("xxxx UNIT") when it is below
 * 10 KiB-of-this-unit or the unit is TiB.
 *
 * Tricky: Python's `%.Nf` rounds the exact binary value half-to-even, while
 * JS `toFixed` rounds exact ties up (0.25 -> "0.3" in JS, "0.2" in Python;
 * 2.5 -> "3" vs "2"). `fixed()` detects exact ties from the value's full
 * decimal expansion and applies Python's rule.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
/** Below this many units (and not in bytes) print "xx.x". */
const ONE_DECIMAL_BELOW = 100;
/** Below this many units print "xxxx" (4 or 5 digits) and stop dividing. */
const NO_DECIMAL_BELOW = 10 * 1024;
const UNIT_STEP = 1024;
/** toFixed's maximum: enough to expand any double >= 2^-48 exactly. */
const EXACT_DIGITS = 100;

/** Python's `'%.{digits}f' % x` (with `'%+.{digits}f'` when `plus`). */
export function fixed(x: number, digits: number, plus = false): string {
  const negative = x < 0 || Object.is(x, -0);
  const magnitude = Math.abs(x);
  let text = magnitude.toFixed(digits);
  if (isExactTie(magnitude, digits)) {
    const down = truncate(magnitude, digits);
    if (lastDigitEven(down)) text = down;
  }
  const sign = negative ? '-' : plus ? '+' : '';
  return sign + text;
}

/** True when `x` lies exactly halfway between two `digits`-decimal numbers. */
function isExactTie(x: number, digits: number): boolean {
  if (!(x < 1e21)) return false;
  const full = x.toFixed(EXACT_DIGITS);
  const point = full.indexOf('.');
  const rest = full.slice(point + 1 + digits);
  return rest.charCodeAt(0) === 0x35 /* '5' */ && /^50*$/.test(rest);
}

/** `x` cut (not rounded) to `digits` decimals. */
function truncate(x: number, digits: number): string {
  const full = x.toFixed(EXACT_DIGITS);
  const point = full.indexOf('.');
  return digits === 0 ? full.slice(0, point) : full.slice(0, point + 1 + digits);
}

function lastDigitEven(text: string): boolean {
  return (text.charCodeAt(text.length - 1) & 1) === 0;
}

/** CPython's `_format_size(size, sign)`: `163 KiB`, `+1.5 MiB`, `-12 B`. */
export function formatSize(size: number, sign: boolean): string {
  let value = size;
  for (const unit of UNITS) {
    if (Math.abs(value) < ONE_DECIMAL_BELOW && unit !== 'B') {
      return `${fixed(value, 1, sign)} ${unit}`;
    }
    if (Math.abs(value) < NO_DECIMAL_BELOW || unit === 'TiB') {
      return `${fixed(value, 0, sign)} ${unit}`;
    }
    value /= UNIT_STEP;
  }
  /* c8 ignore next */
  throw new Error('unreachable: TiB always formats');
}

/** Python's `'%+i' % n`. */
export function formatSignedCount(n: number): string {
  return n < 0 ? String(n) : `+${n}`;
}
