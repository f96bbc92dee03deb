import { Command, CommanderError } from 'commander';
import { registerAllCommand } from './commands/all.js';
import { registerAllocCommand } from './commands/alloc.js';
import type { CliContext } from './commands/context.js';
import { registerGcCommand } from './commands/gc.js';
import { registerObjectsCommand } from './commands/objects.js';
import { UsageError } from './errors.js';

/** Exit codes: 0 done, 1 a contender failed, 2 bad command line. */
export const EXIT_USAGE = 2;

/**
 * What `pnpm bench` with no arguments runs: `all` (alloc, objects, gc),
 * writing bench-results/results.json and bench-results/report.html.
 *
 * What a newcomer's first `pnpm bench` runs: every suite at full size, with
 * slow peers (the O(n)-free `thing`) cut short so the whole run stays within
 * a few minutes on 2 cores.
 */
export const DEFAULT_RUN: readonly (readonly string[])[] = [['all', '--budget', '8', '--timeout', '12']];

function processContext(): CliContext {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    barStream: process.stderr.isTTY ? process.stderr : null,
    color: process.stdout.isTTY && !process.env.NO_COLOR,
    workerScript: new URL('./worker.js', import.meta.url),
  };
}

/** The command-line program; commands report their exit code through `done`. */
export function buildProgram(ctx: CliContext, done: (code: number) => void): Command {
  const program = new Command('pymem-bench')
    .description(
      "pymem's benchmark: replays CPython allocation traces through pymem's allocators and their peers, runs object workloads on a runtime over each, and GC workloads under each cycle collector (`pnpm bench` at the repo root)",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `\nWith no arguments at all, \`${DEFAULT_RUN.map((a) => a.join(' ')).join(', then ')}\` runs. With options but no command, alloc runs.\nSee \`pymem-bench alloc --help\`, \`pymem-bench objects --help\`, \`pymem-bench gc --help\` and \`pymem-bench all --help\`.`,
    );
  registerAllocCommand(program, ctx, done);
  registerObjectsCommand(program, ctx, done);
  registerGcCommand(program, ctx, done);
  registerAllCommand(program, ctx, done);
  return program;
}

/**
 * Run the CLI on `argv` (the arguments after the script name) and return the
 * exit code. Never calls process.exit, so tests can call it in-process.
 * No arguments at all run DEFAULT_RUN; the exit code is the worst of its commands'.
 */
export async function main(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const ctx = { ...processContext(), ...context };
  if (argv.length > 0) return runCommand(argv, ctx);
  let worst = 0;
  for (const args of DEFAULT_RUN) worst = Math.max(worst, await runCommand(args, ctx));
  return worst;
}

async function runCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
  let code = 0;
  try {
    await buildProgram(ctx, (c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    if (err instanceof UsageError) {
      ctx.err(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
