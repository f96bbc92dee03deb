import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Building native/pymalloc-replay.c, the C program behind the `cpython`
 * contender, at bench time:
 *
 * ```
 *   cc -O2 $(python3-config --cflags --embed) native/pymalloc-replay.c \
 *      $(python3-config --ldflags --embed) -o <cache>/pymalloc-replay
 *
 *   <cache> = apps/bench/node_modules/.cache/pymem-bench/
 *             pymalloc-replay        the program
 *             pymalloc-replay.stamp  sha256 of (source, compiler, flags) it was built from
 * ```
 *
 * States of the cache: empty --build--> current --source or flags change--> stale
 * --build--> current. A build writes a temporary file and renames it into
 * place, so a concurrent bench (or test) never runs a half-written program.
 *
 * Invariant: the program is used only when the stamp matches the current key.
 * A missing `python3-config --embed` or `cc` is not an error: the outcome says
 * why the contender cannot run, and the bench skips it.
 */

/** The C source, relative to the bench app's folder. */
export const REPLAYER_SOURCE = join('native', 'pymalloc-replay.c');
/** Where built programs are cached, relative to the bench app's folder. */
export const REPLAYER_CACHE = join('node_modules', '.cache', 'pymem-bench');
const REPLAYER_NAME = 'pymalloc-replay';
const STAMP_SUFFIX = '.stamp';
/** Environment variables that replace the two tools (the C compiler follows the usual CC). */
export const PYTHON_CONFIG_ENV = 'PYMEM_BENCH_PYTHON_CONFIG';
const CC_ENV = 'CC';
/** Seconds a tool query or the compile may take. */
const TOOL_TIMEOUT_MS = 30_000;
const COMPILE_TIMEOUT_MS = 120_000;
/** Characters of a tool's error output kept in a skip reason. */
const REASON_DETAIL_CHARS = 300;

export interface ReplayerBuildOptions {
  /** The C file. Default: native/pymalloc-replay.c of the bench app. */
  source?: string;
  /** The cache folder. Default: the bench app's node_modules/.cache/pymem-bench. */
  cacheDir?: string;
  /** Default: $PYMEM_BENCH_PYTHON_CONFIG, else `python3-config`. */
  pythonConfig?: string;
  /** Default: $CC, else `cc`. */
  cc?: string;
  /** Told when a compile starts (it takes a second or two). */
  onCompile?: (commandLine: string) => void;
}

/** The program, or why there is none. `built` is true when this call compiled it. */
export type BuildOutcome = { ok: true; binary: string; built: boolean } | { ok: false; reason: string };

/**
 * The bench app's folder: the first ancestor of this module (src/contenders/
 * under vitest, dist/ when built) holding native/pymalloc-replay.c.
 */
export function benchAppDir(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, REPLAYER_SOURCE))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** Find or build the replayer. Never throws for a missing or broken toolchain. */
export async function buildReplayer(options: ReplayerBuildOptions = {}): Promise<BuildOutcome> {
  const appDir = benchAppDir();
  const source = options.source ?? (appDir && join(appDir, REPLAYER_SOURCE));
  const cacheDir = options.cacheDir ?? (appDir && join(appDir, REPLAYER_CACHE));
  if (!source || !cacheDir || !existsSync(source)) return { ok: false, reason: `cannot find ${REPLAYER_SOURCE}` };
  const pythonConfig = options.pythonConfig ?? process.env[PYTHON_CONFIG_ENV] ?? 'python3-config';
  const cc = options.cc ?? process.env[CC_ENV] ?? 'cc';
  const flags = await pythonFlags(pythonConfig);
  if (!flags.ok) return flags;
  const compiler = await run(cc, ['--version'], TOOL_TIMEOUT_MS);
  if (!compiler.ok) return { ok: false, reason: `no C compiler: \`${cc} --version\` failed (${compiler.reason})` };
  const args = ['-O2', ...flags.cflags, source, ...flags.ldflags];
  const binary = join(cacheDir, REPLAYER_NAME);
  const key = buildKey(readFileSync(source), cc, compiler.stdout, args);
  if (isCurrent(binary, key)) return { ok: true, binary, built: false };
  options.onCompile?.(`${cc} ${args.join(' ')} -o ${binary}`);
  return compile(cc, args, binary, key);
}

/** `python3-config --cflags --embed` and `--ldflags --embed`, split into words as a shell would. */
async function pythonFlags(
  pythonConfig: string,
): Promise<{ ok: true; cflags: string[]; ldflags: string[] } | { ok: false; reason: string }> {
  const cflags = await run(pythonConfig, ['--cflags', '--embed'], TOOL_TIMEOUT_MS);
  if (!cflags.ok) return { ok: false, reason: `\`${pythonConfig} --cflags --embed\` failed (${cflags.reason})` };
  const ldflags = await run(pythonConfig, ['--ldflags', '--embed'], TOOL_TIMEOUT_MS);
  if (!ldflags.ok) return { ok: false, reason: `\`${pythonConfig} --ldflags --embed\` failed (${ldflags.reason})` };
  return { ok: true, cflags: words(cflags.stdout), ldflags: words(ldflags.stdout) };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

function buildKey(source: Buffer, cc: string, ccVersion: string, args: readonly string[]): string {
  return createHash('sha256').update(source).update('\0').update(cc).update('\0').update(ccVersion).update('\0').update(args.join('\0')).digest('hex');
}

function isCurrent(binary: string, key: string): boolean {
  const stamp = binary + STAMP_SUFFIX;
  return existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key;
}

/** Compile to a temporary name, then rename it into place and write the stamp. */
async function compile(cc: string, args: readonly string[], binary: string, key: string): Promise<BuildOutcome> {
  mkdirSync(dirname(binary), { recursive: true });
  const temp = `${binary}.${process.pid}.${Date.now()}.tmp`;
  const result = await run(cc, [...args, '-o', temp], COMPILE_TIMEOUT_MS);
  if (!result.ok) {
    rmSync(temp, { force: true });
    return { ok: false, reason: `compiling ${REPLAYER_SOURCE} failed (${result.reason})` };
  }
  renameSync(temp, binary);
  writeFileSync(binary + STAMP_SUFFIX, key);
  return { ok: true, binary, built: true };
}

type RunResult = { ok: true; stdout: string } | { ok: false; reason: string };

/** Run a tool without a shell; a failure becomes a short reason (its error output or exit status). */
function run(command: string, args: readonly string[], timeout: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout });
      const detail = stderr.trim() || err.message;
      resolve({ ok: false, reason: oneLine(detail) });
    });
  });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_DETAIL_CHARS ? `${flat.slice(0, REASON_DETAIL_CHARS)}…` : flat;
}
