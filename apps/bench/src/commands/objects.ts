import type { Command } from 'commander';
import { runRuntime } from '../measure/runtime-runner.js';
import { collectList, DEFAULTS, resolveObjectsOptions, type ObjectsOptions, type RawObjectsOptions } from '../options.js';
import { formatCount } from '../report/format.js';
import { renderRuntimeNotes, renderRuntimeTable, runtimeHeading, runtimeLegend } from '../report/runtime-table.js';
import type { Progress } from '../measure/progress.js';
import { seriesRmads, type RuntimeBenchResults, type RuntimeSection } from '../results.js';
import { DEFAULT_RUNTIME_CONTENDERS, RUNTIME_CONTENDERS, resolveRuntimeContenders } from '../runtime/contenders.js';
import { resolveRuntimeWorkloads, scaledSize, suiteWorkloads } from '../runtime/workloads.js';
import { addRunOptions, emitResults, pickProgress, resultsHeader, runStart, type CliContext } from './context.js';

/** Exit code when a contender failed (a crash, an allocator or runtime error, a failed check). */
const EXIT_CONTENDER_FAILED = 1;

/** `objects`: object workloads on a refcount runtime over each allocator, side by side. */
export function registerObjectsCommand(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const names = suiteWorkloads('objects').map((w) => w.name);
  const cmd = program
    .command('objects')
    .description('object workloads (churn, containers, a 10^6-deep chain, instances) on a refcount Runtime over each allocator')
    .option('--workloads <list>', `workloads, comma-separated (default: all: ${names.join(',')})`, collectList)
    .option('--allocators <list>', `runtimes over these allocators, comma-separated (default: ${DEFAULT_RUNTIME_CONTENDERS.join(',')}; known: ${RUNTIME_CONTENDERS.map((c) => c.name).join(',')})`, collectList)
    .option('--checks', `run the runtime in checked mode (every incref/decref validates its pointer; default: off)`)
    .option('--scale <factor>', `multiply every workload's size (default: ${DEFAULTS.scale})`);
  addRunOptions(cmd)
    .addHelpText('after', objectsHelpText())
    .action(async (raw: RawObjectsOptions) => {
      done(await runObjectsCommand(resolveObjectsOptions(raw), ctx));
    });
}

function objectsHelpText(): string {
  const workloads = suiteWorkloads('objects');
  const width = Math.max(...workloads.map((w) => w.name.length), ...RUNTIME_CONTENDERS.map((c) => c.name.length));
  const list = workloads.map((w) => `  ${w.name.padEnd(width)}  ${w.summary} (size ${formatCount(scaledSize(w, 1))})`).join('\n');
  const contenders = RUNTIME_CONTENDERS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `
Workloads:
${list}

Allocators:
${contenders}

Examples:
  pnpm bench objects
  pnpm bench objects --quick --workloads churn,deep_chain
  pnpm bench objects --allocators pool,pool-unchecked,tlsf --checks --json objects.json`;
}

/** Run the objects suite. */
export async function runObjectsSuite(options: ObjectsOptions, ctx: CliContext, progress: Progress): Promise<RuntimeSection> {
  const workloads = resolveRuntimeWorkloads('objects', options.workloads);
  const contenders = resolveRuntimeContenders(options.allocators);
  const run = await runRuntime(workloads, contenders, options.settings, { workerScript: ctx.workerScript, progress });
  return { settings: options.settings, workloads: run.workloads, results: run.results };
}

/** Run the objects benchmark and print/write its results; returns the exit code. */
export async function runObjectsCommand(options: ObjectsOptions, ctx: CliContext): Promise<number> {
  const start = runStart();
  const section = await runObjectsSuite(options, ctx, pickProgress(ctx, options.progress));
  const results: RuntimeBenchResults = { ...resultsHeader('objects', start, options.settings.heap, null, seriesRmads(section.results)), ...section };
  emitResults(ctx, options, results, () => renderObjectsReport(results, ctx.color), start.startedMs);
  return results.results.some((r) => r.status === 'error') ? EXIT_CONTENDER_FAILED : 0;
}

/** The table of an objects run, its notes, and the legend. */
export function renderObjectsReport(results: RuntimeSection, color: boolean): string {
  const contenders = [...new Set(results.results.map((r) => r.contender))];
  const parts = [
    '',
    runtimeHeading(results.settings),
    renderRuntimeTable(results.workloads, results.results, color),
    ...renderRuntimeNotes(results.results),
    runtimeLegend(contenders),
  ];
  return `${parts.join('\n')}\n`;
}
