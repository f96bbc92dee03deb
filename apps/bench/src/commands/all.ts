import type { Command } from 'commander';
import { CONTENDERS } from '../contenders/registry.js';
import {
  collectList,
  DEFAULTS,
  resolveAllocOptions,
  resolveGcOptions,
  resolveObjectsOptions,
  type AllocOptions,
  type GcOptions,
  type ObjectsOptions,
  type RawRunOptions,
} from '../options.js';
import { UsageError } from '../errors.js';
import { seriesRmads, type AllBenchResults } from '../results.js';
import { DEFAULT_GC_CONTENDERS } from '../runtime/gc-contenders.js';
import { RUNTIME_CONTENDERS } from '../runtime/contenders.js';
import { suiteWorkloads } from '../runtime/workloads.js';
import { WORKLOADS, expandWorkloadNames } from '../workloads/registry.js';
import { renderReport, runAllocSuite, usedCpython } from './alloc.js';
import { addRunOptions, emitResults, pickProgress, pythonVersion, resultsHeader, runStart, type CliContext } from './context.js';
import { renderGcReport, runGcSuite } from './gc.js';
import { renderObjectsReport, runObjectsSuite } from './objects.js';

/** Exit code when a contender failed in any suite. */
const EXIT_CONTENDER_FAILED = 1;

/** Where `all` writes unless --json / --html say otherwise (relative to the working directory). */
export const DEFAULT_JSON = 'bench-results/results.json';
export const DEFAULT_HTML = 'bench-results/report.html';

/** `all`'s options as commander hands them over. */
export interface RawAllOptions extends RawRunOptions {
  trace?: string[];
  workloads?: string[];
  allocators?: string[];
  strategies?: string[];
  scale?: string;
}

/** The three suites' options, each null when the suite does not run. */
export interface AllOptions {
  alloc: AllocOptions | null;
  objects: ObjectsOptions | null;
  gc: GcOptions | null;
  json: string | null;
  html: string | null;
  progress: boolean;
  /** Why a suite does not run, one line each. */
  skipped: string[];
}

/** `all`: alloc, then objects, then gc, in one run with one results.json and one report.html. */
export function registerAllCommand(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const cmd = program
    .command('all')
    .description('alloc, objects and gc in one run, with one results.json and one report.html (what `pnpm bench` runs)')
    .option('--trace <file>', 'alloc: trace file(s) or built-in workload name(s) instead of the default workloads', collectList)
    .option('--workloads <list>', 'workloads of any suite, comma-separated; a suite none of them belongs to is left out (default: every suite\'s)', collectList)
    .option('--allocators <list>', `alloc contenders; objects runs those of them it knows (${RUNTIME_CONTENDERS.map((c) => c.name).join(',')}) (default: every suite's)`, collectList)
    .option('--strategies <list>', `gc contenders (default: ${DEFAULT_GC_CONTENDERS.join(',')})`, collectList)
    .option('--scale <factor>', `multiply the synthetic alloc workloads' events and the object and GC workloads' sizes (default: ${DEFAULTS.scale}; with --quick the synthetic workloads run at ${DEFAULTS.quickSyntheticScale})`);
  addRunOptions(cmd)
    .addHelpText('after', allHelpText())
    .action(async (raw: RawAllOptions) => {
      done(await runAllCommand(resolveAllOptions(raw), ctx));
    });
}

function allHelpText(): string {
  return `
Writes ${DEFAULT_JSON} and ${DEFAULT_HTML} unless --json / --html name other files.
Suites: alloc (${WORKLOADS.map((w) => w.name).join(', ')}; contenders ${CONTENDERS.map((c) => c.name).join(', ')}),
objects (${suiteWorkloads('objects').map((w) => w.name).join(', ')}), gc (${suiteWorkloads('gc').map((w) => w.name).join(', ')}).

Examples:
  pnpm bench
  pnpm bench all --quick --json out/results.json --html out/report.html
  pnpm bench all --workloads startup,larson,gc_collect --allocators pool,tlsf --strategies generational,cpython`;
}

/** Split `all`'s options into each suite's; throws UsageError on a name no suite knows. */
export function resolveAllOptions(raw: RawAllOptions): AllOptions {
  const shared: RawRunOptions = { ...raw, json: undefined, html: undefined };
  const skipped: string[] = [];
  const named = raw.workloads === undefined ? null : expandWorkloadNames(raw.workloads);
  const allocNames = WORKLOADS.map((w) => w.name);
  const objectsNames = suiteWorkloads('objects').map((w) => w.name);
  const gcNames = suiteWorkloads('gc').map((w) => w.name);
  const unknown = (named ?? []).filter((n) => ![...allocNames, ...objectsNames, ...gcNames].includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown workload(s) ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${[...allocNames, 'trace', 'synthetic', ...objectsNames, ...gcNames].join(', ')}`);
  }
  const pick = (names: string[]): string[] | undefined => (named === null ? undefined : named.filter((n) => names.includes(n)));

  const allocWorkloads = pick(allocNames);
  const alloc =
    allocWorkloads !== undefined && allocWorkloads.length === 0 && raw.trace === undefined
      ? null
      : resolveAllocOptions({ ...shared, trace: raw.trace, workloads: allocWorkloads?.length ? allocWorkloads : undefined, allocators: raw.allocators });
  if (alloc === null) skipped.push('alloc: none of --workloads is an alloc workload');

  const objectsWorkloads = pick(objectsNames);
  const runtimeAllocators = raw.allocators?.filter((a) => RUNTIME_CONTENDERS.some((c) => c.name === a));
  let objects: ObjectsOptions | null = null;
  if (objectsWorkloads !== undefined && objectsWorkloads.length === 0) skipped.push('objects: none of --workloads is an objects workload');
  else if (runtimeAllocators !== undefined && runtimeAllocators.length === 0) skipped.push(`objects: none of --allocators runs under the runtime (${RUNTIME_CONTENDERS.map((c) => c.name).join(', ')})`);
  else objects = resolveObjectsOptions({ ...shared, workloads: objectsWorkloads, allocators: runtimeAllocators });

  const gcWorkloads = pick(gcNames);
  let gc: GcOptions | null = null;
  if (gcWorkloads !== undefined && gcWorkloads.length === 0) skipped.push('gc: none of --workloads is a gc workload');
  else gc = resolveGcOptions({ ...shared, workloads: gcWorkloads, strategies: raw.strategies });

  return { alloc, objects, gc, json: raw.json ?? DEFAULT_JSON, html: raw.html ?? DEFAULT_HTML, progress: raw.progress ?? true, skipped };
}

/** Run every suite that is on, one after the other, and write one results file and one report. */
export async function runAllCommand(options: AllOptions, ctx: CliContext): Promise<number> {
  const start = runStart();
  const progress = pickProgress(ctx, options.progress);
  for (const line of options.skipped) progress.note(`${line}; left out`);
  const alloc = options.alloc ? await runAllocSuite(options.alloc, ctx, progress) : undefined;
  const objects = options.objects ? await runObjectsSuite(options.objects, ctx, progress) : undefined;
  const gc = options.gc ? await runGcSuite(options.gc, ctx, progress) : undefined;
  const python = gc?.python.version ?? (alloc && usedCpython(alloc.results) ? await pythonVersion() : null);
  const rmads = [...seriesRmads(alloc?.results ?? []), ...seriesRmads(objects?.results ?? []), ...seriesRmads(gc?.results ?? [])];
  const heap = (options.alloc ?? options.objects ?? options.gc)?.settings.heap ?? DEFAULTS.heap;
  const results: AllBenchResults = { ...resultsHeader('all', start, heap, python, rmads) };
  if (alloc) results.alloc = alloc;
  if (objects) results.objects = objects;
  if (gc) results.gc = gc;
  const report = (): string =>
    [alloc ? renderReport(alloc, ctx.color) : '', objects ? renderObjectsReport(objects, ctx.color) : '', gc ? renderGcReport(gc, ctx.color) : ''].join('');
  emitResults(ctx, options, results, report, start.startedMs);
  const failed = [alloc?.results, objects?.results, gc?.results].some((rs) => rs?.some((r) => r.status === 'error'));
  return failed ? EXIT_CONTENDER_FAILED : 0;
}
