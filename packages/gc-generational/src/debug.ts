/**
 * The lines CPython's gc module prints under gc.set_debug, character for
 * character (Modules/gcmodule.c writes them to stderr with a newline; here
 * each is one call of the `write` option, without it).
 *
 * ```
 *   gc: collecting generation 0...                      DEBUG_STATS, at the start
 *   gc: objects in each generation: 1 0 0
 *   gc: objects in permanent generation: 0
 *   gc: collectable <list 0x4038>                       DEBUG_COLLECTABLE, per object
 *   gc: done, 2 unreachable, 0 uncollectable, 0.0001s elapsed     DEBUG_STATS, at the end
 * ```
 */
import { formatPtr } from '@pymem/core';

/** Decimal places of the elapsed time (CPython's `%.4fs`). */
const ELAPSED_DIGITS = 4;
const MS_PER_SECOND = 1000;

export function collectingLine(generation: number): string {
  return `gc: collecting generation ${generation}...`;
}

export function generationSizesLine(sizes: readonly number[]): string {
  return `gc: objects in each generation:${sizes.map((n) => ` ${n}`).join('')}`;
}

export function permanentSizeLine(size: number): string {
  return `gc: objects in permanent generation: ${size}`;
}

/** `gc: collectable <list 0x4038>` (or `uncollectable`): type name and address. */
export function cycleLine(what: 'collectable' | 'uncollectable', typeName: string, ptr: number): string {
  return `gc: ${what} <${typeName} ${formatPtr(ptr)}>`;
}

export function doneLine(unreachable: number, uncollectable: number, elapsedMs: number): string {
  const seconds = (elapsedMs / MS_PER_SECOND).toFixed(ELAPSED_DIGITS);
  return `gc: done, ${unreachable} unreachable, ${uncollectable} uncollectable, ${seconds}s elapsed`;
}

/** The default `write`: stderr where there is one (console.error). */
export function writeToConsole(line: string): void {
  console.error(line);
}
