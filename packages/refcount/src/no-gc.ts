import type { GcHost, GcResult, GcStrategy } from '@pymem/core';

/**
 * The `none` strategy: reference counting alone, like CPython after
 * `gc.disable()`. Nothing is tracked and cycles are never collected (they
 * leak until the heap goes away); every hook costs one empty call.
 */
export class NoGc implements GcStrategy {
  readonly name = 'none';
  readonly wantsDecref = false;
  attach(_host: GcHost): void {}
  onCreate(_ptr: number): void {}
  onDestroy(_ptr: number): void {}
  track(_ptr: number): void {}
  untrack(_ptr: number): void {}
  isTracked(_ptr: number): boolean {
    return false;
  }
  onDecref(_ptr: number, _newCount: number): void {}
  collect(_generation?: number): GcResult {
    return { collected: 0, uncollectable: 0 };
  }
}

/** A fresh `none` strategy for one runtime. */
export function noGc(): NoGc {
  return new NoGc();
}
