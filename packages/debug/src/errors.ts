import { PymemError, formatPtr } from '@pymem/core';
import type { ApiId } from './layout.js';

/** What a check found wrong with a block. */
export type DebugFault = 'bad-id' | 'bad-leading-pad' | 'bad-size' | 'bad-trailing-pad' | 'write-after-free';

/**
 * A debug check found a broken block: a pad byte overwritten (under- or
 * overrun), the size field overwritten, a block freed with the wrong API
 * family, or a freed block written to. The report (CPython's layout) has
 * already been written when this is thrown; it is also in `report`.
 *
 * Nothing the caller asked for has happened: the bad block stays allocated,
 * the heap and every other live block are as they were.
 */
export class DebugMemoryError extends PymemError {
  /** The data pointer of the bad block (what malloc returned). */
  readonly ptr: number;
  /** The family the block was checked with (for write-after-free: the one it was made with). */
  readonly api: ApiId;
  /** Offset from `ptr` of the first bad byte: `size + k` for tail+k, `-k` for p-k. */
  readonly offset: number;
  readonly fault: DebugFault;
  /** The full report text that was written. */
  readonly report: string;
  constructor(fault: DebugFault, op: string, reason: string, ptr: number, api: ApiId, offset: number, report: string) {
    super('ERR_DEBUG_MEMORY', `${op}: ${reason} (block ${formatPtr(ptr)}, byte at offset ${offset})`);
    this.ptr = ptr;
    this.api = api;
    this.offset = offset;
    this.fault = fault;
    this.report = report;
  }
}
