import type { Command } from 'commander';
import { runGc } from '../measure/gc-runner.js';
import { collectList, DEFAULTS, resolveGcOptions, type GcOptions, type RawGcOptions } from '../options.js';
import { formatCount } from '../report/format.js';
import { gcHeading, gcLegend, renderGcNotes, renderGcTables } from '../report/gc-table.js';
import type { Progress } from '../measure/progress.js';
import { seriesRmads, type GcBenchResults, type GcSection } from '../results.js';
import { GC_SCRIPT, PYTHON_ENV, probePython } from '../runtime/cpython-gc.js';
import { DEFAULT_GC_ALLOCATOR, DEFAULT_GC_CONTENDERS, GC_ALLOCATORS, GC_CONTENDERS, resolveGcContenders } from '../runtime/gc-contenders.js';
import { resolveRuntimeWorkloads, scaledSize, suiteWorkloads } from '../runtime/workloads.js';
import { addRunOptions, emitResults, pickProgress, resultsHeader, runStart, type CliContext } from './context.js';

/** Exit code when a contender failed (a crash, a runtime error, a collection that found the wrong count). */
const EXIT_CONTENDER_FAILED = 1;

/** `gc`: the GC workloads under every cycle-collection strategy, and CPython's own gc, side by side. */
export function registerGcCommand(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const names = suiteWorkloads('gc').map((w) => w.name);
  const cmd = program
    .command('gc')
    .description('GC workloads (gc_collect, gc_traversal, binary_trees) under each cycle-collection strategy and CPython, side by side')
    .option('--workloads <list>', `workloads, comma-separated (default: all: ${names.join(',')})`, collectList)
    .option('--strategies <list>', `contenders, comma-separated (default: all: ${DEFAULT_GC_CONTENDERS.join(',')})`, collectList)
    .option('--allocator <name>', `the allocator under every runtime: ${GC_ALLOCATORS.join(', ')} (default: ${DEFAULT_GC_ALLOCATOR})`)
    .option('--scale <factor>', `multiply every workload's size (default: ${DEFAULTS.scale})`);
  addRunOptions(cmd)
    .addHelpText('after', gcHelpText())
    .action(async (raw: RawGcOptions) => {
      done(await runGcCommand(resolveGcOptions(raw), ctx));
    });
}

function gcHelpText(): string {
  const workloads = suiteWorkloads('gc');
  const width = Math.max(...workloads.map((w) => w.name.length), ...GC_CONTENDERS.map((c) => c.name.length));
  const list = workloads.map((w) => `  ${w.name.padEnd(width)}  ${w.summary} (size ${formatCount(scaledSize(w, 1))})`).join('\n');
  const strategies = GC_CONTENDERS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `
Workloads:
${list}

Strategies:
${strategies}
  ${'cpython'.padEnd(width)}  CPython's gc module via python3 and ${GC_SCRIPT} ($${PYTHON_ENV} replaces python3); skipped without it

Examples:
  pnpm bench gc
  pnpm bench gc --quick --workloads gc_traversal,gc_collect
  pnpm bench gc --workloads gc_traversal,gc_collect --strategies generational --json gc.json`;
}

/** Run the gc suite: every strategy, then CPython's gc when asked for. */
export async function runGcSuite(options: GcOptions, ctx: CliContext, progress: Progress): Promise<GcSection> {
  const workloads = resolveRuntimeWorkloads('gc', options.workloads);
  const contenders = resolveGcContenders(options.strategies);
  const python = contenders.cpython ? await probePython() : null;
  const run = await runGc(workloads, contenders, options.settings, { workerScript: ctx.workerScript, progress, python });
  return { settings: options.settings, workloads: run.workloads, python: run.python, results: run.results };
}

/** Run the gc benchmark and print/write its results; returns the exit code. */
export async function runGcCommand(options: GcOptions, ctx: CliContext): Promise<number> {
  const start = runStart();
  const section = await runGcSuite(options, ctx, pickProgress(ctx, options.progress));
  const header = resultsHeader('gc', start, options.settings.heap, section.python.version ?? null, seriesRmads(section.results));
  const results: GcBenchResults = { ...header, ...section };
  emitResults(ctx, options, results, () => renderGcReport(results, ctx.color), start.startedMs);
  return results.results.some((r) => r.status === 'error') ? EXIT_CONTENDER_FAILED : 0;
}

/** The tables of a gc run, its notes, and the legend. */
export function renderGcReport(results: GcSection, color: boolean): string {
  const parts = ['', gcHeading(results.settings, results.python), renderGcTables(results.workloads, results.results, color), ...renderGcNotes(results.results), gcLegend()];
  return `${parts.join('\n')}\n`;
}
