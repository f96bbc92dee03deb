import { UsageError } from '../errors.js';
import { binaryTreesWorkload } from '../workloads/gc/binary-trees.js';
import { gcCollectWorkload } from '../workloads/gc/gc-collect.js';
import { gcTraversalWorkload } from '../workloads/gc/gc-traversal.js';
import { churnWorkload } from '../workloads/objects/churn.js';
import { containersWorkload } from '../workloads/objects/containers.js';
import { deepChainWorkload } from '../workloads/objects/deep-chain.js';
import { mixedWorkload } from '../workloads/objects/mixed.js';
import type { RuntimeWorkloadSpec } from './api.js';

/**
 * Every runtime workload, in table order, tagged with the subcommand that
 * runs it (`objects` or `gc`). Adding one is its module plus one entry here.
 */
export const RUNTIME_WORKLOADS: readonly RuntimeWorkloadSpec[] = [
  churnWorkload,
  containersWorkload,
  deepChainWorkload,
  mixedWorkload,
  gcCollectWorkload,
  gcTraversalWorkload,
  binaryTreesWorkload,
];

/** The workloads of one suite, in table order. */
export function suiteWorkloads(suite: RuntimeWorkloadSpec['suite']): RuntimeWorkloadSpec[] {
  return RUNTIME_WORKLOADS.filter((w) => w.suite === suite);
}

/** The workload named `name` (worker side: the name came from main, which checked it). */
export function getRuntimeWorkload(name: string): RuntimeWorkloadSpec {
  const spec = RUNTIME_WORKLOADS.find((w) => w.name === name);
  if (!spec) throw new UsageError(`unknown workload "${name}"; known: ${RUNTIME_WORKLOADS.map((w) => w.name).join(', ')}`);
  return spec;
}

/** The workloads of `suite` named in `names`, in the order given, each once; UsageError naming every unknown one. */
export function resolveRuntimeWorkloads(suite: RuntimeWorkloadSpec['suite'], names: readonly string[]): RuntimeWorkloadSpec[] {
  const known = suiteWorkloads(suite);
  const unknown = names.filter((name) => !known.some((w) => w.name === name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(`unknown ${suite} workload${unknown.length > 1 ? 's' : ''} ${list}; known: ${known.map((w) => w.name).join(', ')}`);
  }
  return [...new Set(names)].map((name) => known.find((w) => w.name === name)!);
}

/** A workload's size at `scale`: at least 1. */
export function scaledSize(spec: RuntimeWorkloadSpec, scale: number): number {
  return Math.max(1, Math.round(spec.size * scale));
}
