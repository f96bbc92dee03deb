import { PymemError } from '@pymem/core';

/*
 * The PYMTRC01 trace format: a 32-byte little-endian header, then `nevents`
 * packed 9-byte records (no padding, so records are read unaligned).
 *
 * ```
 *  header                                  record (9 bytes)
 *  +0  u8[8] magic "PYMTRC01"              +0  u8  op   0 malloc, 1 free,
 *  +8  u32   version (1)                                2 realloc, 3 calloc
 *  +12 u32   nevents                        +1  u32 id   block id (dense, < nids)
 *  +16 u32   nids (max id + 1)              +5  u32 size requested bytes
 *  +20 u32   flags (domains kept)
 *  +24 u32   hdr_size (32)
 *  +28 u32   rec_size (9)
 * ```
 *
 * Ids are dense and reused LIFO, so a Uint32Array of `nids` pointers is the
 * whole pointer table a replayer needs.
 */

export const TRACE_MAGIC = 'PYMTRC01';
export const TRACE_VERSION = 1;
export const TRACE_HEADER_SIZE = 32;
export const TRACE_RECORD_SIZE = 9;

export const OP_MALLOC = 0;
export const OP_FREE = 1;
export const OP_REALLOC = 2;
export const OP_CALLOC = 3;
const OP_LAST = OP_CALLOC;

/** Names of the ops, indexed by op code. */
export const OP_NAMES = ['malloc', 'free', 'realloc', 'calloc'] as const;

/** Header flag bits: which allocator domains the recorder kept. */
export const DOMAIN_LIBC = 1 << 0;
export const DOMAIN_RAW = 1 << 1;
export const DOMAIN_MEM = 1 << 2;
export const DOMAIN_OBJ = 1 << 3;

/**
 * A decoded trace: one event per index, in three parallel typed arrays
 * (struct-of-arrays, so a replay loop reads them without DataView calls).
 */
export interface Trace {
  name: string;
  nevents: number;
  /** Number of distinct block ids (max id + 1): the size of a replayer's pointer table. */
  nids: number;
  flags: number;
  ops: Uint8Array;
  ids: Uint32Array;
  sizes: Uint32Array;
}

/** The bytes are not a valid PYMTRC01 trace; says where and why. */
export class TraceFormatError extends PymemError {
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super('ERR_TRACE_FORMAT', `bad trace at byte ${offset}: ${reason}`);
    this.offset = offset;
  }
}

/**
 * Decode a PYMTRC01 trace. Validates the header, every op code and that
 * every id is below nids; a file cut short keeps its whole records only if
 * `allowTruncated` is set, otherwise it is an error.
 */
export function readTrace(bytes: Uint8Array, name = 'trace', allowTruncated = false): Trace {
  if (bytes.length < TRACE_HEADER_SIZE) {
    throw new TraceFormatError(0, `file has ${bytes.length} bytes, shorter than the ${TRACE_HEADER_SIZE}-byte header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, TRACE_MAGIC.length));
  if (magic !== TRACE_MAGIC) throw new TraceFormatError(0, `magic is ${JSON.stringify(magic)}, expected "${TRACE_MAGIC}"`);
  const version = dv.getUint32(8, true);
  if (version !== TRACE_VERSION) throw new TraceFormatError(8, `version ${version}, expected ${TRACE_VERSION}`);
  let nevents = dv.getUint32(12, true);
  const nids = dv.getUint32(16, true);
  const flags = dv.getUint32(20, true);
  const hdrSize = dv.getUint32(24, true);
  const recSize = dv.getUint32(28, true);
  if (hdrSize < TRACE_HEADER_SIZE) throw new TraceFormatError(24, `hdr_size ${hdrSize} < ${TRACE_HEADER_SIZE}`);
  if (recSize !== TRACE_RECORD_SIZE) throw new TraceFormatError(28, `rec_size ${recSize}, expected ${TRACE_RECORD_SIZE}`);
  const room = Math.floor(Math.max(0, bytes.length - hdrSize) / recSize);
  if (room < nevents) {
    if (!allowTruncated) {
      throw new TraceFormatError(bytes.length, `header says ${nevents} events but the file holds ${room}`);
    }
    nevents = room;
  }
  const ops = new Uint8Array(nevents);
  const ids = new Uint32Array(nevents);
  const sizes = new Uint32Array(nevents);
  for (let i = 0, o = hdrSize; i < nevents; i++, o += recSize) {
    const op = bytes[o];
    const id = dv.getUint32(o + 1, true);
    if (op > OP_LAST) throw new TraceFormatError(o, `event ${i} has op ${op}, expected 0..${OP_LAST}`);
    if (id >= nids) throw new TraceFormatError(o + 1, `event ${i} has id ${id}, not below nids ${nids}`);
    ops[i] = op;
    ids[i] = id;
    sizes[i] = dv.getUint32(o + 5, true);
  }
  return { name, nevents, nids, flags, ops, ids, sizes };
}

/** Encode a trace as PYMTRC01 bytes (the inverse of readTrace). */
export function writeTrace(trace: Trace): Uint8Array {
  const out = new Uint8Array(TRACE_HEADER_SIZE + trace.nevents * TRACE_RECORD_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < TRACE_MAGIC.length; i++) out[i] = TRACE_MAGIC.charCodeAt(i);
  dv.setUint32(8, TRACE_VERSION, true);
  dv.setUint32(12, trace.nevents, true);
  dv.setUint32(16, trace.nids, true);
  dv.setUint32(20, trace.flags, true);
  dv.setUint32(24, TRACE_HEADER_SIZE, true);
  dv.setUint32(28, TRACE_RECORD_SIZE, true);
  for (let i = 0, o = TRACE_HEADER_SIZE; i < trace.nevents; i++, o += TRACE_RECORD_SIZE) {
    out[o] = trace.ops[i];
    dv.setUint32(o + 1, trace.ids[i], true);
    dv.setUint32(o + 5, trace.sizes[i], true);
  }
  return out;
}
