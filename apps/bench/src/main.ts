import { Command, CommanderError } from 'commander';
import { registerAllocCommand } from './commands/alloc.js';
import type { CliContext } from './commands/context.js';
import { UsageError } from './errors.js';

/** Exit codes: 0 done, 1 a contender failed, 2 bad command line. */
export const EXIT_USAGE = 2;

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
    .description("pymem's benchmark: replays CPython allocation traces through pymem's allocators and their peers (`pnpm bench` at the repo root)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nWith no command, alloc runs. See `pymem-bench alloc --help` for its options.');
  registerAllocCommand(program, ctx, done);
  return program;
}

/**
 * Run the CLI on `argv` (the arguments after the script name) and return the
 * exit code. Never calls process.exit, so tests can call it in-process.
 */
export async function main(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const ctx = { ...processContext(), ...context };
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
