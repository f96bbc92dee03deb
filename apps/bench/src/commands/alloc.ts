import type { Command } from 'commander';
import { CONTENDERS, resolveContenders } from '../contenders/registry.js';
import { runAlloc } from '../measure/alloc-runner.js';
import type { Progress } from '../measure/progress.js';
import { collectList, DEFAULTS, resolveAllocOptions, type AllocOptions, type RawAllocOptions } from '../options.js';
import { renderAllocTable, renderNotes, workloadHeading } from '../report/alloc-table.js';
import { referenceLine } from '../report/reference.js';
import { seriesRmads, type AllocSection, type BenchResults } from '../results.js';
import { WORKLOADS, resolveWorkloads } from '../workloads/registry.js';
import { addRunOptions, emitResults, pickProgress, pythonVersion, resultsHeader, runStart, type CliContext } from './context.js';

/** Exit code when a contender failed (a crash or an allocator error, not a timeout). */
const EXIT_CONTENDER_FAILED = 1;

/** `alloc`: replay allocation traces through allocators. Also the default command. */
export function registerAllocCommand(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const cmd = program
    .command('alloc', { isDefault: true })
    .description('replay CPython allocation traces through each allocator (the default command)')
    .option('--trace <file>', 'trace file(s) or built-in workload name(s), repeatable or comma-separated', collectList)
    .option('--workloads <list>', `built-in workloads, comma-separated; \`trace\` and \`synthetic\` name every one of that kind (default, without --trace: all: ${WORKLOADS.map((w) => w.name).join(',')})`, collectList)
    .option('--allocators <list>', `contenders, comma-separated (default: all: ${CONTENDERS.map((c) => c.name).join(',')})`, collectList)
    .option('--scale <factor>', `multiply the synthetic workloads' event counts (default: ${DEFAULTS.scale}; --quick ${DEFAULTS.quickSyntheticScale})`);
  addRunOptions(cmd)
    .addHelpText('after', allocHelpText())
    .action(async (raw: RawAllocOptions) => {
      done(await runAllocCommand(resolveAllocOptions(raw), ctx));
    });
}

function allocHelpText(): string {
  const width = Math.max(...CONTENDERS.map((c) => c.name.length), ...WORKLOADS.map((w) => w.name.length));
  const contenders = CONTENDERS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  const workloads = WORKLOADS.map((w) => `  ${w.name.padEnd(width)}  ${w.summary}`).join('\n');
  return `
Contenders:
${contenders}

Built-in workloads:
${workloads}

Examples:
  pnpm bench
  pnpm bench alloc --quick --allocators pool,tlsf
  pnpm bench alloc --workloads synthetic --scale 0.1 --html report.html
  pnpm bench alloc --trace ../shared/traces/etree.pymtrace --allocators pool,tlsf --json out.json`;
}

/** Run the alloc suite: every workload with every contender, and the memory profile. */
export async function runAllocSuite(options: AllocOptions, ctx: CliContext, progress: Progress): Promise<AllocSection> {
  const workloads = resolveWorkloads(options.traces, options.settings.scale);
  const contenders = resolveContenders(options.allocators);
  const run = await runAlloc(workloads, contenders, options.settings, { workerScript: ctx.workerScript, progress });
  const section: AllocSection = { settings: options.settings, workloads: run.workloads, results: run.results };
  if (run.memory) section.memory = run.memory;
  return section;
}

/** Whether a section's cpython contender ran (so the machine block names the Python). */
export function usedCpython(results: readonly { contender: string; status: string }[]): boolean {
  return results.some((r) => r.contender === 'cpython' && r.status !== 'skipped');
}

/** Run the alloc benchmark and print/write its results; returns the exit code. */
export async function runAllocCommand(options: AllocOptions, ctx: CliContext): Promise<number> {
  const start = runStart();
  const section = await runAllocSuite(options, ctx, pickProgress(ctx, options.progress));
  const python = usedCpython(section.results) ? await pythonVersion() : null;
  const results: BenchResults = { ...resultsHeader('alloc', start, options.settings.heap, python, seriesRmads(section.results)), ...section };
  emitResults(ctx, options, results, () => renderReport(results, ctx.color), start.startedMs);
  return results.results.some((r) => r.status === 'error') ? EXIT_CONTENDER_FAILED : 0;
}

/** The tables of a run: one per workload, its notes, then the reference line. */
export function renderReport(results: AllocSection, color: boolean): string {
  const parts: string[] = [];
  for (const w of results.workloads) {
    const rows = results.results.filter((r) => r.workload === w.name);
    parts.push('', workloadHeading(w, results.settings), renderAllocTable(rows, { color }), ...renderNotes(rows));
  }
  parts.push('', referenceLine());
  return `${parts.join('\n')}\n`;
}
