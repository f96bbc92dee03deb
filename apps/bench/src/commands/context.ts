import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { BarProgress, LineProgress, SilentProgress, type Progress } from '../measure/progress.js';
import { DEFAULTS, HEAP_BACKENDS } from '../options.js';

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
    .option('--quick', `${DEFAULTS.quickWarmup} warm-up and ${DEFAULTS.quickRuns} timed runs`)
    .addOption(new Option('--heap <backend>', 'memory behind the pymem heaps').choices(HEAP_BACKENDS).default(DEFAULTS.heap))
    .option('--json <file>', 'also write the results as JSON to FILE (- : JSON to stdout instead of the table)')
    .option('--budget <seconds>', `time one contender may spend on one workload; slower ones get fewer runs (default: ${DEFAULTS.budgetSeconds})`)
    .option('--timeout <seconds>', `stop a contender whose single replay takes longer (default: ${DEFAULTS.timeoutSeconds})`)
    .option('--no-progress', 'no progress bar or notes on stderr');
}

/** A bar on a terminal, plain notes in logs, nothing when asked. */
export function pickProgress(ctx: CliContext, enabled: boolean): Progress {
  if (!enabled) return new SilentProgress();
  if (ctx.barStream) return new BarProgress(ctx.barStream);
  return new LineProgress((text) => ctx.err(text));
}

/**
 * Print a run's results: the rendered report (and how long the run took) on
 * stdout, or with `--json -` only the JSON; with `--json FILE` the JSON also
 * goes to FILE (its folder is made).
 */
export function emitResults(ctx: CliContext, json: string | null, report: () => string, jsonText: string, startedMs: number): void {
  if (json === '-') {
    ctx.out(jsonText);
    return;
  }
  ctx.out(report());
  ctx.out(`\nDone in ${((performance.now() - startedMs) / 1000).toFixed(1)} s.\n`);
  if (json !== null) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, jsonText);
    ctx.out(`Results written to ${json}\n`);
  }
}
