import { createRuntime, type AllocatorChoice, type GcChoice, type HeapBackend } from 'pymem';
import { newUncheckedPool } from '../contenders/pymem.js';
import { UsageError } from '../errors.js';
import type { RuntimeBuildOptions, RuntimeContenderSpec } from './api.js';

/*
 * The contenders of `gc`: one runtime per cycle-collection strategy, built by
 * the facade exactly as a user would build it,
 *
 * ```
 *   createRuntime({ gc: 'generational', checks: false, allocator: 'pool', heap: { backend } })
 * ```
 *
 * all over the same allocator (--allocator), so only the strategy differs.
 * `cpython` is a contender of `gc` too, but not a runtime: CPython itself
 * runs python/gc_bench.py in a child process (runtime/cpython-gc.ts).
 */

/** The strategies of the facade, in table order. */
export const GC_STRATEGIES = ['none', 'generational', 'trial-deletion', 'mark-sweep'] as const;
export type GcStrategyName = (typeof GC_STRATEGIES)[number];

/** The contender that is CPython's own gc module. */
export const CPYTHON_GC = 'cpython';

/** What `gc` runs when --strategies is not given: every strategy, then CPython. */
export const DEFAULT_GC_CONTENDERS: readonly string[] = [...GC_STRATEGIES, CPYTHON_GC];

/** The allocators a strategy's runtime can sit on (--allocator). */
export const GC_ALLOCATORS = ['pool', 'pool-unchecked', 'tlsf'] as const;
export const DEFAULT_GC_ALLOCATOR = 'pool';

const SUMMARIES: Record<GcStrategyName, string> = {
  none: 'refcounting alone: cycles leak (Python after gc.disable()); its collect() does nothing',
  generational: "@pymem/gc-generational: CPython's gc module (3 generations, thresholds 2000/10/10)",
  'trial-deletion': "@pymem/gc-trial-deletion: Bacon and Rajan's synchronous cycle collection (purple candidates)",
  'mark-sweep': "@pymem/gc-marksweep: tracing from roots (root handles and references from outside the heap)",
};

/** The facade's allocator for an --allocator name: pool and tlsf by name, pool-unchecked as an instance. */
function allocatorChoice(name: string, backend: HeapBackend): AllocatorChoice {
  if (name === 'pool' || name === 'tlsf') return name;
  if (name === 'pool-unchecked') return newUncheckedPool(backend);
  throw new UsageError(`--allocator must be one of ${GC_ALLOCATORS.join(', ')}; got "${name}"`);
}

function strategyContender(name: GcStrategyName): RuntimeContenderSpec {
  const gc: GcChoice = name;
  return {
    name,
    summary: SUMMARIES[name],
    heapLabel: (backend) => backend,
    createRuntime: (options: RuntimeBuildOptions) =>
      createRuntime({ gc, checks: options.checks, allocator: allocatorChoice(options.allocator, options.backend), heap: { backend: options.backend } }),
  };
}

/** One runtime contender per strategy, in table order. */
export const GC_CONTENDERS: readonly RuntimeContenderSpec[] = GC_STRATEGIES.map(strategyContender);

/** Every name --strategies knows. */
export function gcContenderNames(): string[] {
  return [...GC_STRATEGIES, CPYTHON_GC];
}

/** The strategy contender named `name` (worker side: main checked the name). */
export function getGcContender(name: string): RuntimeContenderSpec {
  const spec = GC_CONTENDERS.find((c) => c.name === name);
  if (!spec) throw new UsageError(`unknown GC strategy "${name}"; known: ${gcContenderNames().join(', ')}`);
  return spec;
}

/** What --strategies asks for: the runtimes to run, in the order given, and whether CPython runs too. */
export interface GcContenders {
  strategies: RuntimeContenderSpec[];
  cpython: boolean;
  /** Every contender once, in the order given (table and JSON order). */
  order: string[];
}

/** Check --strategies: UsageError naming every unknown name; repeats dropped. */
export function resolveGcContenders(names: readonly string[]): GcContenders {
  const known = gcContenderNames();
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(`unknown GC strateg${unknown.length > 1 ? 'ies' : 'y'} ${list}; known: ${known.join(', ')}`);
  }
  const order = [...new Set(names)];
  return {
    strategies: order.filter((name) => name !== CPYTHON_GC).map(getGcContender),
    cpython: order.includes(CPYTHON_GC),
    order,
  };
}

/** Check --allocator. */
export function parseGcAllocator(value: string | undefined): string {
  const name = value ?? DEFAULT_GC_ALLOCATOR;
  if (!(GC_ALLOCATORS as readonly string[]).includes(name)) {
    throw new UsageError(`--allocator must be one of ${GC_ALLOCATORS.join(', ')}; got "${name}"`);
  }
  return name;
}
