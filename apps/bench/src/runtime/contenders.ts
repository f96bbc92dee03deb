import type { Allocator, HeapBackend } from '@pymem/core';
import { Objects } from '@pymem/objects';
import { Runtime } from '@pymem/refcount';
import { newPool, newTlsf, newUncheckedPool } from '../contenders/pymem.js';
import { UsageError } from '../errors.js';
import type { RuntimeBuildOptions, RuntimeContenderSpec } from './api.js';

/*
 * The runtime contenders of `objects`: one refcount Runtime (no cycle
 * collector) over each of pymem's allocators, named like the allocation
 * contenders they sit on. Only allocators over a pymem Heap can host a
 * runtime, so thing, native and cpython have no runtime counterpart.
 */

const heapLabel = (backend: HeapBackend): string => backend;

function overAllocator(name: string, summary: string, newAllocator: (backend: HeapBackend) => Allocator): RuntimeContenderSpec {
  return {
    name,
    summary,
    heapLabel,
    createRuntime: (options: RuntimeBuildOptions) => new Objects(new Runtime({ allocator: newAllocator(options.backend), checks: options.checks })),
  };
}

/** Every runtime contender, in table order. */
export const RUNTIME_CONTENDERS: readonly RuntimeContenderSpec[] = [
  overAllocator('pool', 'a Runtime over @pymem/pool (obmalloc; every free checked); large requests go to its tlsf', newPool),
  overAllocator('pool-unchecked', 'a Runtime over @pymem/pool with checks: false', newUncheckedPool),
  overAllocator('tlsf', 'a Runtime over @pymem/tlsf alone (two-level segregated fit)', newTlsf),
];

/** The runtime contenders `objects` runs when --allocators is not given: pool against tlsf. */
export const DEFAULT_RUNTIME_CONTENDERS: readonly string[] = ['pool', 'tlsf'];

export function runtimeContenderNames(): string[] {
  return RUNTIME_CONTENDERS.map((c) => c.name);
}

/** The runtime contender named `name`; throws UsageError listing the known names. */
export function getRuntimeContender(name: string): RuntimeContenderSpec {
  const spec = RUNTIME_CONTENDERS.find((c) => c.name === name);
  if (!spec) throw new UsageError(`unknown runtime allocator "${name}"; known: ${runtimeContenderNames().join(', ')}`);
  return spec;
}

/** Specs for a list of names, in the order given, each once; throws UsageError naming every unknown one. */
export function resolveRuntimeContenders(names: readonly string[]): RuntimeContenderSpec[] {
  const unknown = names.filter((name) => !RUNTIME_CONTENDERS.some((c) => c.name === name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(
      `unknown runtime allocator${unknown.length > 1 ? 's' : ''} ${list}; a runtime needs a pymem heap: ${runtimeContenderNames().join(', ')}`,
    );
  }
  return [...new Set(names)].map(getRuntimeContender);
}
