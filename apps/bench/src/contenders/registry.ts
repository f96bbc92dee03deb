import { UsageError } from '../errors.js';
import type { ContenderSpec, WorkerContenderSpec } from './api.js';
import { cpythonContender } from './cpython.js';
import { nativeContender } from './native.js';
import { debugContender, poolContender, poolUncheckedContender, tlsfContender, tracemallocContender } from './pymem.js';
import { thingContender } from './thing.js';

/**
 * Every contender the bench knows, in table order. Adding one is one entry
 * here plus its module (a ContenderSpec). `cpython` is in the default set; on
 * a machine that cannot build it, it is skipped with a note.
 */
export const CONTENDERS: readonly ContenderSpec[] = [
  poolContender,
  poolUncheckedContender,
  tlsfContender,
  debugContender,
  tracemallocContender,
  cpythonContender,
  thingContender,
  nativeContender,
];

/** The contenders a run uses when --allocators is not given. */
export const DEFAULT_CONTENDERS: readonly string[] = CONTENDERS.map((c) => c.name);

export function contenderNames(): string[] {
  return CONTENDERS.map((c) => c.name);
}

/** The spec named `name`; throws UsageError listing the known names. */
export function getContender(name: string): ContenderSpec {
  const spec = CONTENDERS.find((c) => c.name === name);
  if (!spec) {
    throw new UsageError(`unknown allocator "${name}"; known allocators: ${contenderNames().join(', ')}`);
  }
  return spec;
}

/** The spec named `name`, which must run in a worker thread (worker side). */
export function getWorkerContender(name: string): WorkerContenderSpec {
  const spec = getContender(name);
  if (spec.kind !== 'worker') throw new Error(`${spec.name} runs in a child process, not in a worker thread`);
  return spec;
}

/** Specs for a list of names, in the order given, each once; throws UsageError naming every unknown one. */
export function resolveContenders(names: readonly string[]): ContenderSpec[] {
  const unknown = names.filter((name) => !CONTENDERS.some((c) => c.name === name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(`unknown allocator${unknown.length > 1 ? 's' : ''} ${list}; known allocators: ${contenderNames().join(', ')}`);
  }
  return [...new Set(names)].map(getContender);
}
