import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { OP_FREE, OP_REALLOC, readTrace, traceStats, writeTrace, type Trace } from '@pymem/trace';
import type { LoadedWorkload, WorkloadSpec } from './api.js';

/** File extension of PYMTRC01 traces. */
export const TRACE_EXT = '.pymtrace';

/** A workload read from a .pymtrace file; its name is the file name without the extension. */
export function traceFileWorkload(path: string, summary = `trace file ${path}`): WorkloadSpec {
  const name = basename(path).endsWith(TRACE_EXT) ? basename(path).slice(0, -TRACE_EXT.length) : basename(path);
  return {
    name,
    summary,
    source: path,
    load: () => readTrace(readFileSync(path), name),
  };
}

/** Load a workload and compute, once, what every contender's worker needs to know about it. */
export function loadWorkload(spec: WorkloadSpec): LoadedWorkload {
  const trace = spec.load();
  return {
    name: spec.name,
    source: spec.source,
    trace,
    stats: traceStats(trace),
    liveAtEnd: idsLiveAtEnd(trace),
  };
}

/** The ids bound to a block when the trace ends, ascending. */
export function idsLiveAtEnd(trace: Trace): Uint32Array {
  const { ops, ids, nevents } = trace;
  const live = new Uint8Array(trace.nids);
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    if (op === OP_FREE) live[ids[i]] = 0;
    else if (op !== OP_REALLOC) live[ids[i]] = 1;
  }
  let count = 0;
  for (let id = 0; id < live.length; id++) count += live[id];
  const out = new Uint32Array(count);
  for (let id = 0, k = 0; id < live.length; id++) if (live[id]) out[k++] = id;
  return out;
}

/** A trace file a child process can read, and how to clean it up. */
export interface TraceFile {
  readonly path: string;
  dispose(): void;
}

/**
 * The workload's trace as a file, for contenders that read it themselves
 * (cpython's child process): its source when that is a file, else a
 * temporary copy written with writeTrace (removed by dispose()).
 */
export function traceFileOf(workload: LoadedWorkload): TraceFile {
  if (isFile(workload.source)) return { path: workload.source, dispose: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'pymem-bench-'));
  const path = join(dir, `${workload.name.replace(/[^\w.-]/g, '_')}${TRACE_EXT}`);
  writeFileSync(path, writeTrace(workload.trace));
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
