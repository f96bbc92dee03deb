import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { BarProgress, LineProgress, SilentProgress, type Progress } from '../measure/progress.js';
import { DEFAULTS, HEAP_BACKENDS } from '../options.js';
import { formatBytes, formatPercent } from '../report/format.js';
import { renderHtmlReport } from '../report/html.js';
import {
  RESULTS_SCHEMA,
  loadNow,
  machineInfo,
  noiseInfo,
  resultsJson,
  type AnyBenchResults,
  type BenchCommand,
  type MachineInfo,
  type NoiseInfo,
  type ResultsHeader,
} from '../results.js';
import { probePython } from '../runtime/cpython-gc.js';

/**
 * What a command needs from the outside world. main() fills it from the
 * process; tests pass their own (captured output, a built worker script).
 */
export interface CliContext {
  /** Write to stdout (tables, or JSON with --json -). */
  out(text: string): void;
  /** Write to stderr (errors, progress notes). */
  err(text: string): void;
  /** The stream a progress bar draws on, when it is a terminal; else null. */
  barStream: NodeJS.WriteStream | null;
  /** Colour in the tables. */
  color: boolean;
  /** The built worker entry (dist/worker.js). */
  workerScript: URL;
}

/** Options every measuring subcommand takes (alloc, objects, gc). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--runs <n>', `timed runs per contender and workload (default: ${DEFAULTS.runs}; --quick ${DEFAULTS.quickRuns})`)
    .option('--warmup <n>', `untimed warm-up runs before them (default: ${DEFAULTS.warmup}; --quick ${DEFAULTS.quickWarmup})`)
    .option('--quick', `${DEFAULTS.quickWarmup} warm-up and ${DEFAULTS.quickRuns} timed runs, --budget ${DEFAULTS.quickBudgetSeconds}, --timeout ${DEFAULTS.quickTimeoutSeconds}`)
    .addOption(new Option('--heap <backend>', 'memory behind the pymem heaps').choices(HEAP_BACKENDS).default(DEFAULTS.heap))
    .option('--json <file>', 'also write the results as JSON to FILE (- : JSON to stdout instead of the table)')
    .option('--html <file>', 'also write the report (charts and tables, one self-contained file) to FILE')
    .option('--budget <seconds>', `time one contender may spend on one workload; slower ones get fewer runs (default: ${DEFAULTS.budgetSeconds}; --quick ${DEFAULTS.quickBudgetSeconds})`)
    .option('--timeout <seconds>', `stop a contender whose single replay takes longer (default: ${DEFAULTS.timeoutSeconds}; --quick ${DEFAULTS.quickTimeoutSeconds})`)
    .option('--no-progress', 'no progress bar or notes on stderr');
}

/** A bar on a terminal, plain notes in logs, nothing when asked. */
export function pickProgress(ctx: CliContext, enabled: boolean): Progress {
  if (!enabled) return new SilentProgress();
  if (ctx.barStream) return new BarProgress(ctx.barStream);
  return new LineProgress((text) => ctx.err(text));
}

/** Where a run writes its results besides the terminal. */
export interface Outputs {
  /** A path, `-` (JSON on stdout instead of the table) or null. */
  json: string | null;
  /** A path or null. */
  html: string | null;
}

/** What a run knows when it starts, for its header. */
export interface RunStart {
  date: Date;
  startedMs: number;
  loadStart: number;
}

export function runStart(): RunStart {
  return { date: new Date(), startedMs: performance.now(), loadStart: loadNow() };
}

/** The header of a results file: the machine (python when used) and the noise of the run's series. */
export function resultsHeader<C extends BenchCommand>(command: C, start: RunStart, heap: string, python: string | null, rmads: readonly number[]): ResultsHeader<C> {
  return {
    schema: RESULTS_SCHEMA,
    command,
    createdAt: start.date.toISOString(),
    machine: machineInfo(heap, python, start.date),
    noise: noiseInfo(rmads, start.loadStart),
  };
}

/** `python3 --version`'s version, or null when there is none. */
export async function pythonVersion(): Promise<string | null> {
  const probe = await probePython();
  return probe.ok ? probe.version : null;
}

/** One line about the machine and one about the noise, under the tables. */
export function machineLines(machine: MachineInfo, noise: NoiseInfo): string[] {
  const python = machine.python === null ? '' : `, Python ${machine.python}`;
  const rmad = noise.medianRmad === null ? 'no repeated series' : `median spread ±${formatPercent(noise.medianRmad)} MAD over ${noise.series} series (max ±${formatPercent(noise.maxRmad ?? 0)})`;
  return [
    `Machine: ${machine.cpuModel}, ${machine.cpus} cores, ${formatBytes(machine.totalMemoryBytes)}, ${machine.os}, Node ${machine.node}${python}, heap ${machine.heap}`,
    `Noise: ${rmad}; load average ${noise.loadStart.toFixed(2)} at start, ${noise.loadEnd.toFixed(2)} at end`,
  ];
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Print a run's results: the rendered report, the machine and noise lines
 * and how long the run took on stdout, or with `--json -` only the JSON;
 * with `--json FILE` the JSON also goes to FILE, with `--html FILE` the
 * report page (their folders are made).
 */
export function emitResults(ctx: CliContext, outputs: Outputs, results: AnyBenchResults, report: () => string, startedMs: number): void {
  const jsonText = resultsJson(results);
  if (outputs.html !== null) writeFile(outputs.html, renderHtmlReport(results));
  if (outputs.json === '-') {
    ctx.out(jsonText);
    return;
  }
  ctx.out(report());
  ctx.out(`\n${machineLines(results.machine, results.noise).join('\n')}\n`);
  ctx.out(`\nDone in ${((performance.now() - startedMs) / 1000).toFixed(1)} s.\n`);
  if (outputs.json !== null) {
    writeFile(outputs.json, jsonText);
    ctx.out(`Results written to ${outputs.json}\n`);
  }
  if (outputs.html !== null) ctx.out(`Report written to ${outputs.html}\n`);
}
