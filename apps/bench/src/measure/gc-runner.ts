import type { RuntimeContenderSpec, RuntimeWorkloadSpec } from '../runtime/api.js';
import { runCpythonGc, type CpythonGcOutcome, type PythonProbe } from '../runtime/cpython-gc.js';
import { CPYTHON_GC, type GcContenders } from '../runtime/gc-contenders.js';
import { scaledSize } from '../runtime/workloads.js';
import type { GcPhaseResult, GcResult, GcSettings, GcWorkloadInfo, PythonInfo } from '../results.js';
import { formatCount } from '../report/format.js';
import type { RunnerEnv } from './alloc-runner.js';
import { ContenderWorker } from './contender-worker.js';
import { newLane, plannedRuns, runLanes, type Lane } from './lanes.js';
import type { RuntimeWorkerInit } from './protocol.js';
import { median, medianAbsoluteDeviation, summarize } from './stats.js';

/*
 * `gc` on the main thread. For each workload:
 *
 * ```
 *   strategies  one worker each (runtime/subject.ts over the facade's createRuntime({ gc }))
 *               measuring pass, then interleaved warm-up and timed rounds (lanes.ts)
 *   cpython     then python/gc_bench.py in one child process (runtime/cpython-gc.ts),
 *               with the same size, warm-ups and runs
 * ```
 *
 * A lane's timed run answers the ns of each phase summed over the run's
 * repeats; divided by them, that is one workload run, so collectNs is the
 * median over the timed runs of one full collection.
 */

/** What a gc run produced. */
export interface GcRun {
  workloads: GcWorkloadInfo[];
  python: PythonInfo;
  results: GcResult[];
}

/** Where the Python comes from: a probe (made once per command), or null when cpython was not asked for. */
export interface GcRunnerEnv extends RunnerEnv {
  python: PythonProbe | null;
}

/** The unit progress and timeout notes count in: one workload run. */
const RUN_UNIT = ['run', 'runs'] as const;

export async function runGc(workloads: readonly RuntimeWorkloadSpec[], contenders: GcContenders, settings: GcSettings, env: GcRunnerEnv): Promise<GcRun> {
  const python = pythonInfo(env.python);
  const cpythonRuns = env.python?.ok ? 1 : 0;
  const run: GcRun = { workloads: [], python, results: [] };
  env.progress.start(workloads.length * (contenders.strategies.length * plannedRuns(settings) + cpythonRuns));
  if (env.python && !env.python.ok) env.progress.note(`  cpython: skipped: ${env.python.reason}`);
  for (const spec of workloads) {
    const info = gcWorkloadInfo(spec, settings);
    run.workloads.push(info);
    env.progress.note(
      `${spec.name}: size ${formatCount(info.size)}, ${contenders.order.length} contenders, allocator ${settings.allocator}, heap ${settings.heap}`,
    );
    const lanes = contenders.strategies.map((c) => newLane(c.name, new ContenderWorker(env.workerScript, workerInit(c, spec, info.size, settings)), settings));
    await runLanes(lanes, { name: spec.name, units: 1, unit: RUN_UNIT }, settings, env.progress);
    const byName = new Map<string, GcResult>(lanes.map((lane, i) => [lane.name, laneResult(lane, contenders.strategies[i], spec, info, settings)]));
    if (contenders.cpython) byName.set(CPYTHON_GC, await cpythonResult(env, info, settings));
    const results = contenders.order.map((name) => byName.get(name)!);
    addRatios(results);
    run.results.push(...results);
  }
  env.progress.stop();
  return run;
}

export function gcWorkloadInfo(spec: RuntimeWorkloadSpec, settings: Pick<GcSettings, 'scale'>): GcWorkloadInfo {
  return {
    name: spec.name,
    summary: spec.summary,
    size: scaledSize(spec, settings.scale),
    phases: [...spec.phases],
    collectPhase: spec.phases[spec.headline],
  };
}

function pythonInfo(probe: PythonProbe | null): PythonInfo {
  if (probe === null) return { status: 'not requested' };
  if (!probe.ok) return { status: 'skipped', command: probe.command, note: probe.reason };
  return { status: 'ok', command: probe.command, version: probe.version };
}

function workerInit(contender: RuntimeContenderSpec, spec: RuntimeWorkloadSpec, size: number, settings: GcSettings): RuntimeWorkerInit {
  return {
    job: 'runtime',
    suite: 'gc',
    contender: contender.name,
    workload: spec.name,
    backend: settings.heap,
    checks: settings.checks,
    allocator: settings.allocator,
    size,
  };
}

function laneResult(lane: Lane, contender: RuntimeContenderSpec, spec: RuntimeWorkloadSpec, info: GcWorkloadInfo, settings: GcSettings): GcResult {
  const ok = lane.status === 'ok' && lane.timed.length > 0;
  const phases = info.phases.map((phase, i) => phaseResult(lane, phase, i, ok));
  const collect = phases[spec.headline];
  const totals = lane.timed.map((t) => t.ns / t.replays);
  const facts = lane.measured?.facts ?? null;
  const result: GcResult = {
    ...baseResult(spec.name, contender.name, info, facts),
    collectNs: collect.ns,
    mad: collect.mad,
    runs: ok ? lane.timed.length : 0,
    totalNs: ok ? median(totals) : null,
    status: lane.status,
    runsNs: collect.runsNs,
    spread: spreadOf(collect.runsNs),
    warmup: lane.plan.warmup,
    replaysPerRun: lane.replaysPerRun,
    heap: contender.heapLabel(settings.heap),
    allocator: settings.allocator,
    phases,
  };
  if (lane.note !== undefined) result.note = lane.note;
  return withPerUnit(result);
}

/** One phase's ns per workload run over the lane's timed runs. */
function phaseResult(lane: Lane, phase: string, index: number, ok: boolean): GcPhaseResult {
  const runsNs = lane.timed.map((run) => (run.phasesNs?.[index] ?? 0) / run.replays);
  return {
    phase,
    ns: ok && runsNs.length > 0 ? median(runsNs) : null,
    mad: runsNs.length > 0 ? medianAbsoluteDeviation(runsNs) : null,
    runsNs,
  };
}

/** The python script on one workload, after the strategies' workers have stopped. */
async function cpythonResult(env: GcRunnerEnv, info: GcWorkloadInfo, settings: GcSettings): Promise<GcResult> {
  const probe = env.python;
  const base: GcResult = { ...baseResult(info.name, CPYTHON_GC, info, null), heap: 'python', allocator: 'pymalloc' };
  if (!probe?.ok) {
    return { ...base, status: 'skipped', note: probe ? probe.reason : 'not requested' };
  }
  env.progress.update(`${info.name} · ${CPYTHON_GC} · ${settings.warmup} warm-up(s), ${settings.runs} runs`, 0);
  const outcome = await runCpythonGc(probe, {
    workload: info.name,
    size: info.size,
    runs: settings.runs,
    warmup: settings.warmup,
    timeoutSeconds: settings.timeoutSeconds * plannedRuns(settings),
  });
  env.progress.completeOne();
  if (outcome.status !== 'ok') env.progress.note(`  ${CPYTHON_GC}: ${outcome.status}: ${outcome.note}`);
  return withPerUnit(fromOutcome(base, outcome, probe.version, info));
}

function fromOutcome(base: GcResult, outcome: CpythonGcOutcome, version: string, info: GcWorkloadInfo): GcResult {
  if (outcome.status !== 'ok') return { ...base, status: outcome.status, note: outcome.note, python: version };
  const r = outcome.result;
  return {
    ...base,
    collectNs: r.collectNs,
    objects: r.objects,
    edges: r.edges,
    collected: r.collected,
    mad: r.mad,
    runs: r.runs,
    totalNs: r.totalNs,
    collections: r.collections,
    status: 'ok',
    runsNs: r.runsNs,
    spread: spreadOf(r.runsNs),
    warmup: r.warmup,
    replaysPerRun: r.replaysPerRun,
    phases: info.phases.map((phase) => {
      const ns = r.phases.find((p) => p.phase === phase)?.ns ?? null;
      return { phase, ns, mad: null, runsNs: [] };
    }),
    check: r.facts,
    python: r.python,
  };
}

/** A result with nothing measured yet: the shape's facts from the first run, when there are some. */
function baseResult(workload: string, contender: string, info: GcWorkloadInfo, facts: Record<string, number> | null): GcResult {
  return {
    workload,
    contender,
    collectNs: null,
    objects: facts?.objects ?? null,
    edges: facts?.edges ?? null,
    collected: facts?.collected ?? null,
    mad: null,
    runs: 0,
    nsPerEdge: null,
    nsPerObject: null,
    vsCpython: null,
    totalNs: null,
    collections: facts?.collections ?? null,
    status: 'ok',
    runsNs: [],
    spread: null,
    warmup: 0,
    replaysPerRun: 0,
    heap: '',
    allocator: '',
    size: info.size,
    phases: info.phases.map((phase) => ({ phase, ns: null, mad: null, runsNs: [] })),
    check: facts,
  };
}

function withPerUnit(r: GcResult): GcResult {
  r.nsPerEdge = r.collectNs !== null && r.edges !== null && r.edges > 0 ? r.collectNs / r.edges : null;
  r.nsPerObject = r.collectNs !== null && r.objects !== null && r.objects > 0 ? r.collectNs / r.objects : null;
  return r;
}

/** vsCpython for every result of one workload. */
function addRatios(results: GcResult[]): void {
  const cpython = results.find((r) => r.contender === CPYTHON_GC)?.collectNs ?? null;
  for (const r of results) {
    r.vsCpython = cpython !== null && cpython > 0 && r.collectNs !== null ? r.collectNs / cpython : null;
  }
}

function spreadOf(runsNs: readonly number[]): GcResult['spread'] {
  if (runsNs.length === 0) return null;
  const s = summarize(runsNs);
  return { min: s.min, max: s.max, rmad: s.rmad };
}
