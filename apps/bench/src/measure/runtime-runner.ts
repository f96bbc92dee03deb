import type { RuntimeContenderSpec, RuntimeWorkloadSpec } from '../runtime/api.js';
import { scaledSize } from '../runtime/workloads.js';
import type { PhaseResult, RuntimeResult, RuntimeSettings, RuntimeWorkloadInfo } from '../results.js';
import { formatCount } from '../report/format.js';
import type { RunnerEnv } from './alloc-runner.js';
import { ContenderWorker } from './contender-worker.js';
import { newLane, plannedRuns, runLanes, type Lane } from './lanes.js';
import type { RuntimeWorkerInit } from './protocol.js';
import { medianAbsoluteDeviation, summarize } from './stats.js';

/** Nanoseconds per second. */
const NS_PER_SECOND = 1e9;

/** What a runtime run produced: the workloads as sized, one result per contender and workload. */
export interface RuntimeRun {
  workloads: RuntimeWorkloadInfo[];
  results: RuntimeResult[];
}

/**
 * Run every runtime workload on every runtime contender: for each workload,
 * one worker per contender (a fresh runtime each), a measuring round, then
 * the interleaved warm-up and timed rounds (measure/lanes.ts).
 */
export async function runRuntime(
  workloads: readonly RuntimeWorkloadSpec[],
  contenders: readonly RuntimeContenderSpec[],
  settings: RuntimeSettings,
  env: RunnerEnv,
): Promise<RuntimeRun> {
  const run: RuntimeRun = { workloads: [], results: [] };
  env.progress.start(workloads.length * contenders.length * plannedRuns(settings));
  for (const spec of workloads) {
    const info = workloadInfo(spec, settings);
    run.workloads.push(info);
    const units = info.phases.reduce((sum, p) => sum + p.ops, 0);
    env.progress.note(
      `${spec.name}: size ${formatCount(info.size)}, ${formatCount(units)} ${spec.unit}s per run, ${contenders.length} contenders, heap ${settings.heap}, checks ${settings.checks ? 'on' : 'off'}`,
    );
    const lanes = contenders.map((c) => newLane(c.name, new ContenderWorker(env.workerScript, workerInit(c, spec, info.size, settings)), settings));
    await runLanes(lanes, { name: spec.name, units, unit: [spec.unit, `${spec.unit}s`] }, settings, env.progress);
    run.results.push(...lanes.map((lane, i) => laneResult(lane, contenders[i], spec, info, settings)));
  }
  env.progress.stop();
  return run;
}

export function workloadInfo(spec: RuntimeWorkloadSpec, settings: Pick<RuntimeSettings, 'scale'>): RuntimeWorkloadInfo {
  const size = scaledSize(spec, settings.scale);
  const ops = spec.ops(size);
  return {
    name: spec.name,
    summary: spec.summary,
    unit: spec.unit,
    size,
    phases: spec.phases.map((phase, i) => ({ phase, ops: ops[i] })),
    headline: spec.phases[spec.headline],
  };
}

function workerInit(contender: RuntimeContenderSpec, spec: RuntimeWorkloadSpec, size: number, settings: RuntimeSettings): RuntimeWorkerInit {
  return { job: 'runtime', suite: 'objects', contender: contender.name, workload: spec.name, backend: settings.heap, checks: settings.checks, allocator: contender.name, size };
}

function laneResult(lane: Lane, contender: RuntimeContenderSpec, spec: RuntimeWorkloadSpec, info: RuntimeWorkloadInfo, settings: RuntimeSettings): RuntimeResult {
  const ok = lane.status === 'ok' && lane.timed.length > 0;
  const phases = info.phases.map((p, i) => phaseResult(lane, p.phase, i, p.ops, ok));
  const headline = phases[spec.headline];
  const result: RuntimeResult = {
    workload: spec.name,
    contender: contender.name,
    nsPerOp: headline.nsPerOp,
    mad: headline.mad,
    ops: headline.ops,
    peakHeapBytes: lane.measured?.peakReservedBytes ?? null,
    phase: headline.phase,
    unit: spec.unit,
    opsPerSecond: headline.nsPerOp !== null && headline.nsPerOp > 0 ? NS_PER_SECOND / headline.nsPerOp : null,
    runs: ok ? lane.timed.length : 0,
    heap: contender.heapLabel(settings.heap),
    checks: settings.checks,
    status: lane.status,
    runsNs: headline.runsNs,
    spread: headline.spread,
    warmup: lane.plan.warmup,
    replaysPerRun: lane.replaysPerRun,
    size: info.size,
    phases,
    check: lane.measured?.facts ?? null,
  };
  if (lane.note !== undefined) result.note = lane.note;
  return result;
}

/** One phase's ns per op over the lane's timed runs. */
function phaseResult(lane: Lane, phase: string, index: number, ops: number, ok: boolean): PhaseResult {
  const runsNs = lane.timed.map((run) => (ops > 0 ? (run.phasesNs?.[index] ?? 0) / (run.replays * ops) : 0));
  const summary = runsNs.length > 0 ? summarize(runsNs) : null;
  return {
    phase,
    nsPerOp: ok && summary ? summary.median : null,
    mad: runsNs.length > 0 ? medianAbsoluteDeviation(runsNs) : null,
    ops,
    runsNs,
    spread: summary ? { min: summary.min, max: summary.max, rmad: summary.rmad } : null,
  };
}
