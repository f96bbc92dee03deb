import { spawnSync } from 'node:child_process';
import { copyFileSync, appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OP_CALLOC, OP_FREE, OP_MALLOC, OP_REALLOC, traceStats, type Trace } from '@pymem/trace';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ContenderProcess,
  PYTHON_CONFIG_ENV,
  REPLAYER_SOURCE,
  WorkerFailedError,
  benchAppDir,
  buildReplayer,
  main,
  parseReplyLine,
  requestLine,
  type BenchResults,
  type CliContext,
} from '../src/index.js';
import { syntheticTrace, writeTraceFile } from './fixtures.js';
import { buildWorkerBundle } from './worker-bundle.js';

/*
 * The `cpython` contender: native/pymalloc-replay.c compiled and run on small
 * synthetic traces (when this machine has `python3-config --embed` and `cc`),
 * the serve protocol through ContenderProcess, the CLI with cpython in a run,
 * and the skip path when the toolchain is missing (always run). No timing
 * assertions.
 */

/** Why the replayer cannot be built here, or null when it can. */
function toolchainMissing(): string | null {
  const config = spawnSync('python3-config', ['--cflags', '--embed'], { encoding: 'utf8' });
  if (config.status !== 0) return '`python3-config --embed` does not work on this machine';
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.status !== 0) return 'no C compiler (`cc`) on this machine';
  return null;
}

const missing = toolchainMissing();
const needsToolchain = (title: string): string => (missing ? `${title} (skipped: ${missing})` : title);

/** pymalloc's largest small request: 0 and larger ones go to libc malloc. */
const SMALL_REQUEST_MAX = 512;

/**
 * The model of the raw side, written independently of the C: a block is raw
 * when allocated with 0 or > 512 bytes, or reallocated to such a size; once
 * raw it stays raw. Raw bytes count max(size, 1). Returns the peak sum.
 */
function modelRawPeak(trace: Trace): number {
  const raw = new Map<number, number>();
  let live = 0;
  let peak = 0;
  for (let i = 0; i < trace.nevents; i++) {
    const id = trace.ids[i];
    const size = trace.sizes[i];
    const before = raw.get(id);
    if (before !== undefined) live -= before;
    raw.delete(id);
    if (trace.ops[i] !== OP_FREE) {
      const goesRaw = size === 0 || size > SMALL_REQUEST_MAX || (trace.ops[i] === OP_REALLOC && before !== undefined);
      if (goesRaw) raw.set(id, Math.max(size, 1));
    }
    live += raw.get(id) ?? 0;
    peak = Math.max(peak, live);
  }
  return peak;
}

interface Line {
  kind: string;
  [key: string]: unknown;
}

function runReplayer(binary: string, args: string[], input?: string): { status: number | null; lines: Line[] } {
  const r = spawnSync(binary, args, { encoding: 'utf8', input });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Line);
  return { status: r.status, lines };
}

let binary = '';
const trace = syntheticTrace(5000, 31);
let traceFile = '';

beforeAll(async () => {
  traceFile = writeTraceFile(trace, 'pyrep');
  if (missing) return;
  const outcome = await buildReplayer({ cacheDir: mkdtempSync(join(tmpdir(), 'pymem-bench-cache-')) });
  if (!outcome.ok) throw new Error(outcome.reason);
  binary = outcome.binary;
});

describe('pymalloc-replay.c', () => {
  it.skipIf(missing !== null)(needsToolchain('is built once and cached until the source changes'), async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pymem-bench-cache-'));
    const source = join(mkdtempSync(join(tmpdir(), 'pymem-bench-src-')), 'pymalloc-replay.c');
    copyFileSync(join(benchAppDir()!, REPLAYER_SOURCE), source);
    const compiles: string[] = [];
    const options = { cacheDir, source, onCompile: (line: string) => compiles.push(line) };
    const first = await buildReplayer(options);
    expect(first).toMatchObject({ ok: true, built: true, binary: join(cacheDir, 'pymalloc-replay') });
    expect(compiles).toHaveLength(1);
    expect(compiles[0]).toMatch(/^cc -O2 .*pymalloc-replay\.c .*-lpython3\.\d+.* -o /);
    expect(await buildReplayer(options)).toMatchObject({ ok: true, built: false });
    appendFileSync(source, '\n/* changed */\n');
    expect(await buildReplayer(options)).toMatchObject({ ok: true, built: true });
    expect(compiles).toHaveLength(2);
  });

  it.skipIf(missing !== null)(needsToolchain('replays a synthetic trace: one JSON line per run, peak reserved = arenas + raw'), () => {
    const { status, lines } = runReplayer(binary, [traceFile, '--warmup', '2', '--runs', '3', '--replays', '2']);
    expect(status).toBe(0);
    expect(lines.map((l) => `${l.kind}${typeof l.phase === 'string' ? `/${l.phase}` : ''}`)).toEqual([
      'ready',
      'measured',
      'replayed/warmup',
      'replayed/warmup',
      'replayed/timed',
      'replayed/timed',
      'replayed/timed',
    ]);
    expect(lines[0]).toMatchObject({ events: trace.nevents, nids: trace.nids });
    expect(lines[0].python).toMatch(/^3\.\d+/);
    const m = lines[1];
    const parts = m.reservedParts as { arenas: number; raw: number };
    expect(parts.raw).toBe(modelRawPeak(trace));
    expect(m.arenasHighwater).toBeGreaterThanOrEqual(1);
    expect(m.arenasBefore).toBe(0);
    expect(parts.arenas).toBe((m.arenasHighwater as number) * (m.arenaSize as number));
    expect(m.arenasMapped).toBe(m.arenasHighwater);
    expect(m.peakReservedBytes).toBe(parts.arenas + parts.raw);
    expect(m.peakReservedBytes).toBeGreaterThanOrEqual(traceStats(trace).peakLiveBytes);
    expect(m.seconds).toBeGreaterThan(0);
    for (const run of lines.slice(2)) {
      expect(run.replays).toBe(2);
      expect(Number.isInteger(run.ns)).toBe(true);
      expect(run.ns).toBeGreaterThan(0);
      expect(run.nsPerEvent).toBeCloseTo((run.ns as number) / (2 * trace.nevents), 3);
    }
  });

  it.skipIf(missing !== null)(needsToolchain('replays realloc chains across the 512-byte line, zero sizes and calloc'), () => {
    // id 0: 0 -> 100 -> 600 -> 8 (raw from the start); id 1: 8 -> 512 -> 513 -> 0 -> 16 (goes raw at 513)
    const ops = [OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_REALLOC, OP_REALLOC, OP_REALLOC, OP_REALLOC, OP_REALLOC, OP_REALLOC, OP_CALLOC, OP_FREE];
    const ids = [0, 1, 0, 1, 0, 1, 0, 1, 1, 2, 0];
    const sizes = [0, 8, 100, 512, 600, 513, 8, 0, 16, 0, 8];
    const t: Trace = { name: 'edges', nevents: ops.length, nids: 3, flags: 0, ops: Uint8Array.from(ops), ids: Uint32Array.from(ids), sizes: Uint32Array.from(sizes) };
    const { status, lines } = runReplayer(binary, [writeTraceFile(t, 'edges'), '--warmup', '1', '--runs', '2']);
    expect(status).toBe(0);
    const parts = lines[1].reservedParts as { raw: number };
    expect(parts.raw).toBe(modelRawPeak(t));
    expect(parts.raw).toBe(600 + 513);
    expect(lines).toHaveLength(5);
  });

  it.skipIf(missing !== null)(needsToolchain('rejects a broken trace with a failed line and exit code 1'), () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'pymem-bench-bad-')), 'bad.pymtrace');
    writeFileSync(bad, 'not a trace at all, but long enough to have a header');
    const r = runReplayer(binary, [bad]);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([{ kind: 'failed', message: `${bad}: not a PYMTRC01 trace` }]);
    // A free of an id that is not live would corrupt pymalloc: refused before replaying.
    const t: Trace = { name: 'x', nevents: 2, nids: 2, flags: 0, ops: Uint8Array.of(OP_MALLOC, OP_FREE), ids: Uint32Array.of(0, 1), sizes: Uint32Array.of(8, 8) };
    const r2 = runReplayer(binary, [writeTraceFile(t, 'x')]);
    expect(r2.status).toBe(1);
    expect(r2.lines[0].message).toMatch(/event 1: frees or reallocs a free id$/);
  });

  it.skipIf(missing !== null)(needsToolchain('answers the serve protocol through ContenderProcess'), async () => {
    const p = new ContenderProcess(binary, [traceFile, '--serve']);
    try {
      await p.ready(30);
      const measured = await p.request({ kind: 'measure' }, 30, () => undefined);
      expect(measured).toMatchObject({ kind: 'measured', reservedParts: { raw: modelRawPeak(trace) } });
      const replayed = await p.request({ kind: 'replay', count: 3 }, 30, () => undefined);
      expect(replayed.kind).toBe('replayed');
      if (replayed.kind === 'replayed') expect(replayed.ns).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
    // A second measure is a protocol error: the child says so and exits.
    const q = new ContenderProcess(binary, [traceFile, '--serve']);
    await q.ready(30);
    await q.request({ kind: 'measure' }, 30, () => undefined);
    await expect(q.request({ kind: 'measure' }, 30, () => undefined)).rejects.toThrow(/unexpected command: measure/);
    await q.close();
  });
});

describe('the serve protocol', () => {
  it('writes requests as lines and reads replies, rejecting malformed ones', () => {
    expect(requestLine({ kind: 'measure' })).toBe('measure\n');
    expect(requestLine({ kind: 'replay', count: 4 })).toBe('replay 4\n');
    expect(parseReplyLine('{"kind":"ready","events":3}')).toEqual({ kind: 'ready' });
    expect(parseReplyLine('{"kind":"measured","peakReservedBytes":10,"seconds":0.5,"reservedParts":{"arenas":8,"raw":2}}')).toEqual({
      kind: 'measured',
      peakReservedBytes: 10,
      seconds: 0.5,
      reservedParts: { arenas: 8, raw: 2 },
    });
    expect(parseReplyLine('{"kind":"replayed","ns":123,"phase":"timed"}')).toEqual({ kind: 'replayed', ns: 123 });
    expect(parseReplyLine('{"kind":"failed","message":"boom"}')).toEqual({ kind: 'failed', message: 'boom' });
    expect(() => parseReplyLine('Segmentation fault')).toThrow(/not a JSON reply/);
    expect(() => parseReplyLine('{"kind":"replayed"}')).toThrow(/without a number "ns"/);
    expect(() => parseReplyLine('{"kind":"dance"}')).toThrow(/unknown reply/);
  });

  it('reports a program that cannot start as a failure', async () => {
    const p = new ContenderProcess('/nonexistent/pymalloc-replay', ['x', '--serve']);
    await expect(p.ready(10)).rejects.toThrow(WorkerFailedError);
    await p.close();
  });
});

async function cli(argv: string[], workerScript: URL): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = { out: (s) => (out += s), err: (s) => (err += s), barStream: null, color: false, workerScript };
  const code = await main(argv, ctx);
  return { code, out, err };
}

function jsonPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'pymem-bench-out-')), 'out.json');
}

describe('pymem-bench alloc with cpython', () => {
  const saved = process.env[PYTHON_CONFIG_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PYTHON_CONFIG_ENV];
    else process.env[PYTHON_CONFIG_ENV] = saved;
  });

  it.skipIf(missing !== null)(needsToolchain('joins the rounds, gets a vs cpython column and reports pymalloc reserved bytes'), async () => {
    const json = jsonPath();
    const r = await cli(['--trace', traceFile, '--allocators', 'pool,cpython', '--quick', '--json', json, '--no-progress'], await buildWorkerBundle());
    expect(r.code).toBe(0);
    const results = (JSON.parse(readFileSync(json, 'utf8')) as BenchResults).results;
    const cpython = results.find((x) => x.contender === 'cpython')!;
    expect(cpython).toMatchObject({ status: 'ok', heap: 'pymalloc', runs: 3, warmup: 1, peakLiveBytes: traceStats(trace).peakLiveBytes });
    expect(cpython.runsNs).toHaveLength(3);
    expect(cpython.nsPerEvent).toBeGreaterThan(0);
    expect(cpython.replaysPerRun).toBeGreaterThanOrEqual(1);
    expect(cpython.reservedParts).toEqual({ arenas: expect.any(Number) as number, raw: modelRawPeak(trace) });
    expect(cpython.peakReservedBytes).toBe(cpython.reservedParts!.arenas + cpython.reservedParts!.raw);
    expect(r.out).toContain('vs cpython');
    expect(r.out).toMatch(/│ cpython +│ pymalloc │/);
  });

  it('is skipped with a note, not an error, when python3-config --embed does not work', async () => {
    process.env[PYTHON_CONFIG_ENV] = '/nonexistent/python3-config';
    const json = jsonPath();
    let err = '';
    let out = '';
    const code = await main(['--trace', traceFile, '--allocators', 'cpython', '--quick', '--json', json], {
      out: (s) => (out += s),
      err: (s) => (err += s),
      barStream: null,
      color: false,
      workerScript: new URL('file:///nonexistent/worker.js'),
    });
    expect(code).toBe(0);
    const [x] = (JSON.parse(readFileSync(json, 'utf8')) as BenchResults).results;
    expect(x).toMatchObject({ contender: 'cpython', status: 'skipped', heap: 'pymalloc', nsPerEvent: null, peakReservedBytes: null, runs: 0, runsNs: [] });
    expect(x.note).toMatch(/^`\/nonexistent\/python3-config --cflags --embed` failed \(/);
    expect(err.match(/cpython: skipped: /g)).toHaveLength(1);
    expect(out).toContain(`  cpython (skipped): ${x.note}`);
    expect(out).not.toContain('vs cpython');
  });

  it('says why when there is no C compiler', async () => {
    const outcome = await buildReplayer({ cc: '/nonexistent/cc', cacheDir: mkdtempSync(join(tmpdir(), 'pymem-bench-cache-')) });
    if (missing?.startsWith('`python3-config')) expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/python3-config/) as string });
    else expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/^no C compiler: `\/nonexistent\/cc --version` failed/) as string });
  });
});
