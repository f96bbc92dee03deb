import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultStatus } from '../results.js';
import { benchAppDir } from '../contenders/cpython-build.js';

/*
 * The `cpython` contender of `gc`: CPython's own gc module, run by the script
 * the bench ships (python/gc_bench.py) in a child process, one per workload:
 *
 * ```
 *   python3 python/gc_bench.py --workload gc_collect --size 100 --runs 7 --warmup 2
 *     -> one JSON line: {"kind":"gc-result", "collectNs":..., "objects":..., ...}
 *     -> or {"kind":"failed","message":...} and exit status 1
 * ```
 *
 * The script builds the same shapes with the same sizes and times them the
 * same way (a measuring pass, warm-ups, timed runs repeated to 0.1 s). It runs
 * after the strategies' workers of the same workload have stopped, so its runs
 * are not interleaved with theirs.
 *
 * No python3 is not an error: the contender is skipped with one line saying
 * why. $PYMEM_BENCH_PYTHON replaces `python3`.
 */

/** The script, relative to the bench app's folder. */
export const GC_SCRIPT = join('python', 'gc_bench.py');
/** Environment variable naming the Python to run instead of python3. */
export const PYTHON_ENV = 'PYMEM_BENCH_PYTHON';
const DEFAULT_PYTHON = 'python3';
/** Milliseconds `python3 --version` may take. */
const PROBE_TIMEOUT_MS = 15_000;
/** Characters of the script's error output kept in a note. */
const NOTE_DETAIL_CHARS = 300;
const MS_PER_SECOND = 1000;
/** Output the script may print (one JSON line; generous). */
const MAX_OUTPUT_BYTES = 1 << 20;

/** The Python to run, or why there is none. */
export type PythonProbe = { ok: true; command: string; version: string; script: string } | { ok: false; command: string; reason: string };

/** What the script reports for one workload. */
export interface CpythonGcResult {
  python: string;
  collectNs: number;
  mad: number;
  runsNs: number[];
  totalNs: number;
  phases: { phase: string; ns: number }[];
  replaysPerRun: number;
  runs: number;
  warmup: number;
  objects: number;
  edges: number;
  collected: number;
  collections: number;
  /** Every numeric fact the script reported (objects, edges, rings, depth, ...). */
  facts: Record<string, number>;
}

/** One workload's outcome: a result, or the status and note of a failure. */
export type CpythonGcOutcome = { status: 'ok'; result: CpythonGcResult } | { status: Exclude<ResultStatus, 'ok'>; note: string };

/** Find the Python and the script; never throws. */
export async function probePython(command = process.env[PYTHON_ENV] ?? DEFAULT_PYTHON): Promise<PythonProbe> {
  const appDir = benchAppDir();
  const script = appDir === null ? null : join(appDir, GC_SCRIPT);
  if (script === null || !existsSync(script)) return { ok: false, command, reason: `cannot find ${GC_SCRIPT}` };
  const answer = await run(command, ['--version'], PROBE_TIMEOUT_MS);
  if (answer.error !== null) return { ok: false, command, reason: `\`${command} --version\` failed (${answer.error})` };
  const version = /Python\s+(\S+)/.exec(`${answer.stdout} ${answer.stderr}`)?.[1];
  if (version === undefined) return { ok: false, command, reason: `\`${command} --version\` printed no Python version: ${clip(answer.stdout + answer.stderr)}` };
  return { ok: true, command, version, script };
}

export interface CpythonGcRequest {
  workload: string;
  size: number;
  runs: number;
  warmup: number;
  /** Seconds the whole script may take before it is killed. */
  timeoutSeconds: number;
}

/** Run the script on one workload. Never throws: a crash, a timeout or bad output is an outcome. */
export async function runCpythonGc(probe: Extract<PythonProbe, { ok: true }>, request: CpythonGcRequest): Promise<CpythonGcOutcome> {
  const args = [probe.script, '--workload', request.workload, '--size', String(request.size), '--runs', String(request.runs), '--warmup', String(request.warmup)];
  const answer = await run(probe.command, args, request.timeoutSeconds * MS_PER_SECOND);
  if (answer.timedOut) return { status: 'timeout', note: `${GC_SCRIPT} took over ${request.timeoutSeconds} s and was stopped` };
  const line = answer.stdout.trim().split('\n').pop() ?? '';
  try {
    const result = parseGcScriptLine(line);
    if (answer.error !== null) throw new Error(answer.error);
    return { status: 'ok', result };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const detail = answer.stderr.trim() === '' ? '' : `; stderr: ${clip(answer.stderr)}`;
    return { status: 'error', note: `${GC_SCRIPT} failed: ${why}${detail}` };
  }
}

/** The script's JSON line as a result; throws on a failure line or anything malformed. */
export function parseGcScriptLine(line: string): CpythonGcResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON line: ${clip(line)}`);
  }
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (r.kind === 'failed') throw new Error(typeof r.message === 'string' ? r.message : clip(line));
  if (r.kind !== 'gc-result') throw new Error(`unknown line: ${clip(line)}`);
  const num = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`result without a number "${key}": ${clip(line)}`);
    return v;
  };
  const runsNs = r.runsNs;
  if (!Array.isArray(runsNs) || !runsNs.every((x) => typeof x === 'number')) throw new Error(`result without runsNs: ${clip(line)}`);
  const phases = Array.isArray(r.phases) ? (r.phases as unknown[]).map(parsePhase) : [];
  const facts = Object.fromEntries(
    Object.entries(r).filter((e): e is [string, number] => typeof e[1] === 'number' && !TIMING_KEYS.has(e[0])),
  );
  return {
    python: typeof r.python === 'string' ? r.python : 'unknown',
    collectNs: num('collectNs'),
    mad: num('mad'),
    runsNs,
    totalNs: num('totalNs'),
    phases,
    replaysPerRun: num('replaysPerRun'),
    runs: num('runs'),
    warmup: num('warmup'),
    objects: num('objects'),
    edges: num('edges'),
    collected: num('collected'),
    collections: num('collections'),
    facts,
  };
}

/** Numbers in the script's line that are timings or settings, not facts about the shape. */
const TIMING_KEYS = new Set(['collectNs', 'mad', 'totalNs', 'replaysPerRun', 'runs', 'warmup', 'size']);

function parsePhase(value: unknown): { phase: string; ns: number } {
  const p = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof p.phase !== 'string' || typeof p.ns !== 'number') throw new Error(`malformed phase: ${clip(JSON.stringify(value))}`);
  return { phase: p.phase, ns: p.ns };
}

interface RunAnswer {
  stdout: string;
  stderr: string;
  /** null when the program ran and exited with status 0. */
  error: string | null;
  timedOut: boolean;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<RunAnswer> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES }, (err, stdout, stderr) => {
      const timedOut = err !== null && (err as { killed?: boolean }).killed === true;
      resolve({ stdout: String(stdout), stderr: String(stderr), error: err === null ? null : err.message.split('\n')[0], timedOut });
    });
  });
}

function clip(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > NOTE_DETAIL_CHARS ? `${t.slice(0, NOTE_DETAIL_CHARS)}…` : t;
}
