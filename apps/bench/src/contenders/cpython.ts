import type { PreparedProgram, ProcessContenderSpec } from './api.js';
import { REPLAYER_SOURCE, buildReplayer } from './cpython-build.js';

/*
 * `cpython`: CPython's own pymalloc (PyObject_Malloc / Calloc / Realloc /
 * Free) replaying the trace, driven by native/pymalloc-replay.c in a child
 * process. The program is built at bench time when `python3-config --embed`
 * and `cc` work (contenders/cpython-build.ts), and the contender is skipped
 * otherwise.
 *
 * Peak reserved, measured by the program on its first pass in a fresh
 * process: pymalloc's "# arenas highwater mark" x bytes per arena (from
 * _PyObject_DebugMallocStats), plus the largest sum of bytes live at once in
 * blocks pymalloc forwards to libc malloc (requests of 0 counted as the 1 byte
 * pymalloc asks for, and > 512 B), counted from the trace.
 */

export const cpythonContender: ProcessContenderSpec = {
  kind: 'process',
  name: 'cpython',
  summary: `CPython's pymalloc itself (PyObject_Malloc & co.) via ${REPLAYER_SOURCE}, built with python3-config --embed; skipped without it`,
  reservedMeaning:
    "pymalloc's arenas highwater mark x 1 MiB (from _PyObject_DebugMallocStats) on the first pass of a fresh process, plus the peak bytes live at once in blocks of 0 or > 512 B that pymalloc forwards to libc malloc (requested sizes, 0 counted as 1)",
  heapLabel: () => 'pymalloc',
  prepare: async (env): Promise<PreparedProgram> => {
    const outcome = await buildReplayer({ onCompile: () => env.note(`  cpython: building ${REPLAYER_SOURCE}`) });
    return outcome.ok ? { ok: true, command: outcome.binary, args: [] } : { ok: false, reason: outcome.reason };
  },
};
