/**
 * stats() and debugMallocStats(): CPython's `_PyObject_DebugMallocStats`
 * figures, gathered by marching over every arena (full pools are on no list,
 * so walking the arenas is the only way to see them), and printed in the same
 * text layout as `sys._debugmallocstats()`.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import type { PoolStats, SizeClassStats } from './api.js';
import { Ao, aoWordAt, blocksIn, Geo, Hdr, St } from './layout.js';
import { getState, type PoolContext } from './state.js';

/** Gather every figure; cost is proportional to the number of pools. */
export function collectStats(ctx: PoolContext): PoolStats {
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  const classes = emptySizeClasses();
  let narenas = 0;
  let unusedPools = 0;
  const lost = { quantization: 0, tails: 0 };
  const tableWord = getState(u32, st, St.ARENAS) >>> Geo.WORD_SHIFT;
  const maxarenas = getState(u32, st, St.MAXARENAS);
  for (let id = 1; id <= maxarenas; id++) {
    const ao = aoWordAt(tableWord, id);
    const base = u32[ao + Ao.W_ADDRESS];
    if (base === 0) continue;
    narenas++;
    unusedPools += u32[ao + Ao.W_NFREEPOOLS];
    const end = u32[ao + Ao.W_POOL_ADDRESS];
    for (let pool = base; pool < end; pool += Geo.POOL_SIZE) {
      const pw = pool >>> Geo.WORD_SHIFT;
      const count = u32[pw + Hdr.W_COUNT];
      if (count === 0) continue; // an empty pool: counted in unusedPools
      const c = classes[u32[pw + Hdr.W_SZIDX]];
      const limit = u32[pw + Hdr.W_LIMIT];
      c.pools++;
      c.blocksInUse += count;
      c.availableBlocks += blocksIn(limit, c.sizeClass) - count;
      lost.quantization += (limit - Hdr.OVERHEAD) % c.blockSize;
      lost.tails += Geo.POOL_SIZE - limit;
    }
  }
  return summarize(ctx, classes, narenas, unusedPools, lost);
}

function emptySizeClasses(): SizeClassStats[] {
  const classes: SizeClassStats[] = [];
  for (let i = 0; i < Geo.NB_SMALL_SIZE_CLASSES; i++) {
    classes.push({
      sizeClass: i,
      blockSize: (i + 1) << Geo.ALIGNMENT_SHIFT,
      pools: 0,
      blocksInUse: 0,
      availableBlocks: 0,
    });
  }
  return classes;
}

/**
 * Tricky: an unused pool counts POOL_SIZE bytes (CPython's "unused pools *
 * 16384 bytes" line) even when it is an arena's last pool, whose last TAIL
 * bytes hold the next raw block's header. A last pool in use counts them as
 * lost to arena alignment instead, so that the figures still add up to the
 * arena bytes.
 */
function summarize(
  ctx: PoolContext,
  classes: SizeClassStats[],
  narenas: number,
  unusedPools: number,
  lost: { quantization: number; tails: number },
): PoolStats {
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  let allocatedBlocks = 0;
  let bytesInAllocatedBlocks = 0;
  let bytesInAvailableBlocks = 0;
  let bytesLostToPoolHeaders = 0;
  for (const c of classes) {
    allocatedBlocks += c.blocksInUse;
    bytesInAllocatedBlocks += c.blocksInUse * c.blockSize;
    bytesInAvailableBlocks += c.availableBlocks * c.blockSize;
    bytesLostToPoolHeaders += c.pools * Hdr.OVERHEAD;
  }
  const total = getState(u32, st, St.NARENAS_TOTAL);
  const raw = ctx.raw.stats();
  const own = ownRawBlocks(ctx);
  const rawAllocatedBlocks = raw.allocatedBlocks - own.blocks;
  const rawAllocatedBytes = raw.allocatedBytes - own.bytes;
  const bytesInUnusedPools = unusedPools * Geo.POOL_SIZE;
  return {
    allocatedBlocks: allocatedBlocks + rawAllocatedBlocks,
    allocatedBytes: bytesInAllocatedBlocks + rawAllocatedBytes,
    freeBytes: bytesInAvailableBlocks + bytesInUnusedPools + raw.freeBytes,
    heapBytes: ctx.heap.byteLength,
    peakHeapBytes: ctx.heap.peakByteLength,
    smallBlockThreshold: Geo.SMALL_REQUEST_THRESHOLD,
    sizeClasses: classes,
    arenasAllocatedTotal: total,
    arenasReclaimed: total - narenas,
    arenasHighwater: getState(u32, st, St.NARENAS_HIGHWATER),
    arenasAllocatedCurrent: narenas,
    arenaBytes: narenas * Geo.ARENA_SIZE,
    bytesInAllocatedBlocks,
    bytesInAvailableBlocks,
    unusedPools,
    bytesInUnusedPools,
    bytesLostToPoolHeaders,
    bytesLostToQuantization: lost.quantization,
    bytesLostToArenaAlignment: lost.tails,
    rawAllocatedBlocks,
    rawAllocatedBytes,
  };
}

/**
 * The raw blocks the pool holds for itself: the state block, the arena table
 * and per arena its block and (with checks) its bitmap block. The rest of the raw allocator's blocks are the
 * callers' requests of 0 or > 512 bytes.
 *
 * Tricky: this assumes the raw allocator serves this pool only (the default,
 * a Tlsf of its own). Counting per call instead would cost a usableSize()
 * on every raw malloc and free.
 */
function ownRawBlocks(ctx: PoolContext): { blocks: number; bytes: number } {
  const st = ctx.statePtr;
  const table = getState(ctx.heap.u32, st, St.ARENAS);
  let bytes = ctx.raw.usableSize(st) + ctx.raw.usableSize(table);
  let blocks = 2;
  const tableWord = table >>> Geo.WORD_SHIFT;
  const maxarenas = getState(ctx.heap.u32, st, St.MAXARENAS);
  for (let id = 1; id <= maxarenas; id++) {
    const ao = aoWordAt(tableWord, id);
    const base = ctx.heap.u32[ao + Ao.W_ADDRESS];
    if (base === 0) continue;
    const bitmap = ctx.heap.u32[ao + Ao.W_BITMAP];
    bytes += ctx.raw.usableSize(base) + (bitmap === 0 ? 0 : ctx.raw.usableSize(bitmap));
    blocks += bitmap === 0 ? 1 : 2;
  }
  return { blocks, bytes };
}

/* ------------------------------------------------------------ the text */

/** Width of a label before the `=` (CPython's printone pads to 35). */
const LABEL_WIDTH = 35;
/** Width of the value after the `=`, right-aligned with thousands commas. */
const VALUE_WIDTH = 21;
const DIGITS_PER_GROUP = 3;

/** One `label = value` line, as CPython's printone writes it. */
export function printone(label: string, value: number): string {
  return `${label.padEnd(LABEL_WIDTH)}=${withCommas(value).padStart(VALUE_WIDTH)}\n`;
}

/** 1234567 -> "1,234,567". */
export function withCommas(value: number): string {
  const digits = String(value);
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % DIGITS_PER_GROUP === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** Column widths of the size-class table ("%5u %6u %11zu %15zu %13zu"). */
const CLASS_COLUMNS = [5, 6, 11, 15, 13] as const;

function classRow(c: SizeClassStats): string {
  const cells = [c.sizeClass, c.blockSize, c.pools, c.blocksInUse, c.availableBlocks];
  return `${cells.map((v, i) => String(v).padStart(CLASS_COLUMNS[i])).join(' ')}\n`;
}

/**
 * The text of `sys._debugmallocstats()`'s allocator part. Arenas are found
 * with address_in_range, not a radix tree, so there is no "arena map counts"
 * section: CPython built without the radix tree prints none either.
 */
export function formatDebugMallocStats(s: PoolStats): string {
  let out = `Small block threshold = ${s.smallBlockThreshold}, in ${s.sizeClasses.length} size classes.\n\n`;
  out += 'class   size   num pools   blocks in use  avail blocks\n';
  out += '-----   ----   ---------   -------------  ------------\n';
  for (const c of s.sizeClasses) if (c.pools !== 0) out += classRow(c);
  out += '\n';
  out += printone('# arenas allocated total', s.arenasAllocatedTotal);
  out += printone('# arenas reclaimed', s.arenasReclaimed);
  out += printone('# arenas highwater mark', s.arenasHighwater);
  out += printone('# arenas allocated current', s.arenasAllocatedCurrent);
  out += printone(`${s.arenasAllocatedCurrent} arenas * ${Geo.ARENA_SIZE} bytes/arena`, s.arenaBytes);
  out += '\n';
  out += printone('# bytes in allocated blocks', s.bytesInAllocatedBlocks);
  out += printone('# bytes in available blocks', s.bytesInAvailableBlocks);
  out += printone(`${s.unusedPools} unused pools * ${Geo.POOL_SIZE} bytes`, s.bytesInUnusedPools);
  out += printone('# bytes lost to pool headers', s.bytesLostToPoolHeaders);
  out += printone('# bytes lost to quantization', s.bytesLostToQuantization);
  out += printone('# bytes lost to arena alignment', s.bytesLostToArenaAlignment);
  const total =
    s.bytesInAllocatedBlocks +
    s.bytesInAvailableBlocks +
    s.bytesInUnusedPools +
    s.bytesLostToPoolHeaders +
    s.bytesLostToQuantization +
    s.bytesLostToArenaAlignment;
  out += printone('Total', total);
  return out;
}
