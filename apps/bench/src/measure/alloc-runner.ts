import type { ContenderSpec, PreparedProgram } from '../contenders/api.js';
import type { LoadedWorkload, WorkloadSpec } from '../workloads/api.js';
import { loadWorkload, traceFileOf, type TraceFile } from '../workloads/trace-file.js';
import type { AllocResult, AllocSettings, MemoryProfile, WorkloadInfo } from '../results.js';
import { memoryProfile } from './memory-profile.js';
import { ContenderProcess } from './contender-process.js';
import { ContenderWorker } from './contender-worker.js';
import { newLane, plannedRuns, runLanes, skippedLane, type Lane } from './lanes.js';
import type { AllocWorkerInit } from './protocol.js';
import type { Progress } from './progress.js';
import { summarize } from './stats.js';
import { formatCount } from '../report/format.js';

/** Where the worker script lives and where progress goes. */
export interface RunnerEnv {
  workerScript: URL;
  progress: Progress;
}

/** What an alloc run produced: the workloads it replayed and one result per contender and workload. */
export interface AllocRun {
  workloads: WorkloadInfo[];
  results: AllocResult[];
  /** Memory over time and fragmentation on the first workload (untimed); absent when no pymem allocator ran. */
  memory?: MemoryProfile;
}

/** The argument after the trace file that puts a process contender in protocol mode. */
const SERVE_FLAG = '--serve';

/** What a trace replay counts, for progress and timeout notes. */
const EVENT_UNIT = ['event', 'events'] as const;

/**
 * Replay every workload with every contender: for each workload, one worker
 * per contender, a measuring round, then interleaved warm-up and timed rounds.
 * Workloads are loaded one at a time.
 */
export async function runAlloc(
  workloads: readonly WorkloadSpec[],
  contenders: readonly ContenderSpec[],
  settings: AllocSettings,
  env: RunnerEnv,
): Promise<AllocRun> {
  const run: AllocRun = { workloads: [], results: [] };
  env.progress.start(workloads.length * contenders.length * plannedRuns(settings));
  const programs = await preparePrograms(contenders, env);
  for (const spec of workloads) {
    env.progress.update(`loading ${spec.name}`, 0);
    const workload = loadWorkload(spec);
    run.workloads.push(workloadInfo(workload));
    env.progress.note(
      `${workload.name}: ${formatCount(workload.stats.events)} events, ${contenders.length} contenders, heap ${settings.heap}`,
    );
    run.results.push(...(await benchWorkload(workload, contenders, programs, settings, env)));
    if (run.workloads.length === 1) profileMemory(run, workload, contenders, settings, env);
  }
  env.progress.stop();
  return run;
}

/** The untimed memory replay of the first workload; a failure is a note, the timed results stand. */
function profileMemory(run: AllocRun, workload: LoadedWorkload, contenders: readonly ContenderSpec[], settings: AllocSettings, env: RunnerEnv): void {
  env.progress.update(`memory profile of ${workload.name}`, 0);
  try {
    const memory = memoryProfile(workload, contenders.map((c) => c.name), settings.heap);
    if (memory) run.memory = memory;
  } catch (err) {
    env.progress.note(`  memory profile of ${workload.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Once per run: find or build the program of every process contender; say so when one cannot run. */
async function preparePrograms(contenders: readonly ContenderSpec[], env: RunnerEnv): Promise<Map<string, PreparedProgram>> {
  const programs = new Map<string, PreparedProgram>();
  for (const spec of contenders) {
    if (spec.kind !== 'process') continue;
    env.progress.update(`preparing ${spec.name}`, 0);
    const program = await spec.prepare({ note: (text) => env.progress.note(text) });
    if (!program.ok) env.progress.note(`  ${spec.name}: skipped: ${program.reason}`);
    programs.set(spec.name, program);
  }
  return programs;
}

export function workloadInfo(w: LoadedWorkload): WorkloadInfo {
  return {
    name: w.name,
    source: w.source,
    events: w.stats.events,
    peakLiveBytes: w.stats.peakLiveBytes,
    peakLiveBlocks: w.stats.peakLiveBlocks,
  };
}

async function benchWorkload(
  workload: LoadedWorkload,
  contenders: readonly ContenderSpec[],
  programs: ReadonlyMap<string, PreparedProgram>,
  settings: AllocSettings,
  env: RunnerEnv,
): Promise<AllocResult[]> {
  const needsFile = contenders.some((spec) => spec.kind === 'process' && programs.get(spec.name)?.ok);
  const traceFile = needsFile ? traceFileOf(workload) : null;
  const lanes = contenders.map((spec) => startLane(spec, workload, programs, traceFile, settings, env));
  try {
    await runLanes(lanes, { name: workload.name, units: workload.trace.nevents, unit: EVENT_UNIT }, settings, env.progress);
  } finally {
    traceFile?.dispose();
  }
  return lanes.map((lane, i) => laneResult(lane, contenders[i], workload, settings));
}

/** The lane of one contender: a worker, a child process, or skipped. */
function startLane(
  spec: ContenderSpec,
  workload: LoadedWorkload,
  programs: ReadonlyMap<string, PreparedProgram>,
  traceFile: TraceFile | null,
  settings: AllocSettings,
  env: RunnerEnv,
): Lane {
  if (spec.kind === 'worker') {
    return newLane(spec.name, new ContenderWorker(env.workerScript, workerInit(spec.name, workload, settings)), settings);
  }
  const program = programs.get(spec.name);
  if (program?.ok && traceFile) {
    return newLane(spec.name, new ContenderProcess(program.command, [...program.args, traceFile.path, SERVE_FLAG]), settings);
  }
  // Already shown once by preparePrograms.
  return skippedLane(spec.name, program && !program.ok ? program.reason : 'its program was not prepared', settings, env.progress);
}

function workerInit(contender: string, workload: LoadedWorkload, settings: AllocSettings): AllocWorkerInit {
  return {
    job: 'alloc',
    contender,
    backend: settings.heap,
    trace: workload.trace,
    peakLiveBytes: workload.stats.peakLiveBytes,
    peakLiveBlocks: workload.stats.peakLiveBlocks,
    liveAtEnd: workload.liveAtEnd,
  };
}

function laneResult(lane: Lane, spec: ContenderSpec, workload: LoadedWorkload, settings: AllocSettings): AllocResult {
  const nevents = workload.trace.nevents;
  const runsNs = lane.timed.map((run) => (nevents > 0 ? run.ns / (run.replays * nevents) : 0));
  const ok = lane.status === 'ok' && runsNs.length > 0;
  const summary = runsNs.length > 0 ? summarize(runsNs) : null;
  const result: AllocResult = {
    workload: workload.name,
    contender: spec.name,
    heap: spec.heapLabel(settings.heap),
    status: lane.status,
    nsPerEvent: ok && summary ? summary.median : null,
    peakReservedBytes: lane.measured?.peakReservedBytes ?? null,
    peakLiveBytes: workload.stats.peakLiveBytes,
    runs: ok ? runsNs.length : 0,
    runsNs,
    spread: summary ? { min: summary.min, max: summary.max, rmad: summary.rmad } : null,
    warmup: lane.plan.warmup,
    replaysPerRun: lane.replaysPerRun,
    events: workload.stats.events,
  };
  if (lane.note !== undefined) result.note = lane.note;
  if (lane.measured?.reservedParts !== undefined) result.reservedParts = lane.measured.reservedParts;
  return result;
}
