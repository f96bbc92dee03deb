import type { ContenderSpec, PreparedProgram } from '../contenders/api.js';
import type { LoadedWorkload, WorkloadSpec } from '../workloads/api.js';
import { loadWorkload, traceFileOf, type TraceFile } from '../workloads/trace-file.js';
import type { AllocResult, AllocSettings, ResultStatus, WorkloadInfo } from '../results.js';
import { ReplayTimeoutError, type ContenderHandle } from './channel.js';
import { ContenderProcess } from './contender-process.js';
import { ContenderWorker } from './contender-worker.js';
import type { WorkerInit } from './protocol.js';
import type { Progress } from './progress.js';
import { planRuns, replaysPerRun, roundCount, roundRole, warmupRounds, type RunPlan } from './schedule.js';
import { summarize } from './stats.js';
import { formatCount, formatNs } from '../report/format.js';

/** Nanoseconds per second. */
const NS_PER_SECOND = 1e9;

/** Where the worker script lives and where progress goes. */
export interface RunnerEnv {
  workerScript: URL;
  progress: Progress;
}

/** What an alloc run produced: the workloads it replayed and one result per contender and workload. */
export interface AllocRun {
  workloads: WorkloadInfo[];
  results: AllocResult[];
}

/** The argument after the trace file that puts a process contender in protocol mode. */
const SERVE_FLAG = '--serve';

/**
 * One contender on one workload, from worker (or child process) start to result.
 *
 * States: running --timeout--> timeout, running --failure--> error (both final:
 * the worker is gone and the lane takes no further part). A process contender
 * whose program could not be prepared starts and stays `skipped`, without a handle.
 */
interface Lane {
  spec: ContenderSpec;
  /** null only when skipped. */
  handle: ContenderHandle | null;
  status: ResultStatus;
  note: string | undefined;
  peakReservedBytes: number | null;
  reservedParts: Record<string, number> | undefined;
  plan: RunPlan;
  /** Replays each warm-up and timed run repeats. */
  replaysPerRun: number;
  /** Warm-up and timed runs done after the measuring pass. */
  runsDone: number;
  runsNs: number[];
}

/** Runs planned per contender and workload (the measuring pass counts as one) before it says otherwise. */
function plannedRuns(settings: AllocSettings): number {
  return 1 + settings.warmup + settings.runs;
}

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
  }
  env.progress.stop();
  return run;
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
    for (const lane of lanes) await startWorker(lane, settings, env);
    for (const lane of lanes) await measureLane(lane, workload, settings, env);
    await timedRounds(lanes, workload, settings, env);
  } finally {
    await Promise.all(lanes.map((lane) => (lane.handle ? lane.handle.close() : Promise.resolve())));
    traceFile?.dispose();
  }
  return lanes.map((lane) => laneResult(lane, workload, settings));
}

function startLane(
  spec: ContenderSpec,
  workload: LoadedWorkload,
  programs: ReadonlyMap<string, PreparedProgram>,
  traceFile: TraceFile | null,
  settings: AllocSettings,
  env: RunnerEnv,
): Lane {
  const lane: Lane = {
    spec,
    handle: null,
    status: 'ok',
    note: undefined,
    peakReservedBytes: null,
    reservedParts: undefined,
    plan: { warmup: settings.warmup, runs: settings.runs, reduced: false },
    replaysPerRun: 1,
    runsDone: 0,
    runsNs: [],
  };
  if (spec.kind === 'worker') {
    lane.handle = new ContenderWorker(env.workerScript, workerInit(spec.name, workload, settings));
    return lane;
  }
  const program = programs.get(spec.name);
  if (program?.ok && traceFile) {
    lane.handle = new ContenderProcess(program.command, [...program.args, traceFile.path, SERVE_FLAG]);
    return lane;
  }
  return skipLane(lane, program && !program.ok ? program.reason : 'its program was not prepared', settings, env);
}

function workerInit(contender: string, workload: LoadedWorkload, settings: AllocSettings): WorkerInit {
  return {
    contender,
    backend: settings.heap,
    trace: workload.trace,
    peakLiveBytes: workload.stats.peakLiveBytes,
    peakLiveBlocks: workload.stats.peakLiveBlocks,
    liveAtEnd: workload.liveAtEnd,
  };
}

/** A lane that cannot run here: no runs, and the reason as its note (already shown once by preparePrograms). */
function skipLane(lane: Lane, reason: string, settings: AllocSettings, env: RunnerEnv): Lane {
  env.progress.addTotal(-plannedRuns(settings));
  lane.status = 'skipped';
  lane.note = reason;
  lane.plan = { warmup: 0, runs: 0, reduced: false };
  lane.replaysPerRun = 0;
  return lane;
}

async function startWorker(lane: Lane, settings: AllocSettings, env: RunnerEnv): Promise<void> {
  if (lane.status !== 'ok' || !lane.handle) return;
  try {
    await lane.handle.ready(settings.timeoutSeconds);
  } catch (err) {
    laneFailed(lane, err, 0, env, 'start');
  }
}

/** Round 0: the untimed pass on the fresh allocator, which also sizes the lane's plan. */
async function measureLane(lane: Lane, workload: LoadedWorkload, settings: AllocSettings, env: RunnerEnv): Promise<void> {
  if (lane.status !== 'ok' || !lane.handle) return;
  const { nevents } = workload.trace;
  const label = `${workload.name} · ${lane.spec.name} · measuring pass`;
  env.progress.update(label, 0);
  try {
    const answer = await lane.handle.request({ kind: 'measure' }, settings.timeoutSeconds, (events) =>
      env.progress.update(label, nevents > 0 ? events / nevents : 1),
    );
    if (answer.kind !== 'measured') throw new Error(`expected a measured answer, got ${answer.kind}`);
    env.progress.completeOne();
    lane.peakReservedBytes = answer.peakReservedBytes;
    lane.reservedParts = answer.reservedParts;
    if (answer.remark !== undefined) addNote(lane, answer.remark, env);
    lane.replaysPerRun = replaysPerRun(answer.seconds);
    adoptPlan(lane, planRuns(answer.seconds * lane.replaysPerRun, settings), answer.seconds, settings, env);
  } catch (err) {
    laneFailed(lane, err, nevents, env);
  }
}

function adoptPlan(lane: Lane, plan: RunPlan, seconds: number, settings: AllocSettings, env: RunnerEnv): void {
  lane.plan = plan;
  if (!plan.reduced) return;
  env.progress.addTotal(plan.warmup + plan.runs - settings.warmup - settings.runs);
  const cut = [
    plan.warmup < settings.warmup ? `${plan.warmup} of ${settings.warmup} warm-ups` : `${plan.warmup} warm-ups`,
    plan.runs < settings.runs ? `${plan.runs} of ${settings.runs} timed runs` : `${plan.runs} timed runs`,
  ];
  addNote(lane, `${cut.join(', ')}: one replay takes ${seconds.toFixed(1)} s (--budget ${settings.budgetSeconds} s)`, env);
}

/** Keep a note for the results and show it now. */
function addNote(lane: Lane, text: string, env: RunnerEnv): void {
  lane.note = lane.note === undefined ? text : `${lane.note}; ${text}`;
  env.progress.note(`  ${lane.spec.name}: ${text}`);
}

/** Rounds 1..: each round every lane with a role replays once, in registry order. */
async function timedRounds(lanes: Lane[], workload: LoadedWorkload, settings: AllocSettings, env: RunnerEnv): Promise<void> {
  const live = lanes.filter((lane) => lane.status === 'ok');
  const plans = live.map((lane) => lane.plan);
  const warmup = warmupRounds(plans);
  const rounds = roundCount(plans);
  for (let round = 0; round < rounds; round++) {
    for (const lane of live) {
      const role = roundRole(lane.plan, warmup, round);
      if (role === 'idle' || lane.status !== 'ok') continue;
      const step = role === 'timed' ? `run ${round - warmup + 1}/${lane.plan.runs}` : `warm-up ${round - warmup + lane.plan.warmup + 1}/${lane.plan.warmup}`;
      env.progress.update(`${workload.name} · ${lane.spec.name} · ${step}`, 0);
      await replayOnce(lane, role === 'timed', workload, settings, env);
    }
  }
}

async function replayOnce(lane: Lane, timed: boolean, workload: LoadedWorkload, settings: AllocSettings, env: RunnerEnv): Promise<void> {
  const { nevents } = workload.trace;
  if (!lane.handle) return;
  try {
    const count = lane.replaysPerRun;
    const answer = await lane.handle.request({ kind: 'replay', count }, settings.timeoutSeconds * count, () => undefined);
    if (answer.kind !== 'replayed') throw new Error(`expected a replayed answer, got ${answer.kind}`);
    env.progress.completeOne();
    lane.runsDone++;
    if (timed) lane.runsNs.push(nevents > 0 ? answer.ns / (count * nevents) : 0);
    // Warm-ups recalibrate: a warm replay is faster than the fresh measuring pass.
    else lane.replaysPerRun = replaysPerRun(answer.ns / count / NS_PER_SECOND);
  } catch (err) {
    laneFailed(lane, err, nevents, env);
  }
}

/** A lane stops for good: record why, drop its remaining replays from the progress total. */
function laneFailed(lane: Lane, err: unknown, nevents: number, env: RunnerEnv, phase: 'start' | 'replay' = 'replay'): void {
  const measuring = lane.peakReservedBytes === null ? 1 : 0;
  const remaining = measuring + lane.plan.warmup + lane.plan.runs - lane.runsDone;
  env.progress.addTotal(-Math.max(0, remaining));
  lane.status = err instanceof ReplayTimeoutError ? 'timeout' : 'error';
  const why = err instanceof ReplayTimeoutError ? timeoutNote(err, nevents, phase) : err instanceof Error ? err.message : String(err);
  addNote(lane, `${lane.status}: ${why}`, env);
  void lane.handle?.close();
}

function timeoutNote(err: ReplayTimeoutError, nevents: number, phase: 'start' | 'replay'): string {
  if (phase === 'start') return `the worker did not start within ${err.seconds} s (--timeout)`;
  // A replay of all nevents events that needs more than the timeout costs more than this per event.
  const atLeast = nevents > 0 ? `, so at least ${formatNs((err.seconds * NS_PER_SECOND) / nevents)} ns/event` : '';
  const reached = err.eventsDone > 0 ? `; it had replayed ${formatCount(err.eventsDone)} of ${formatCount(nevents)} events` : '';
  return `one replay took over ${err.seconds} s (--timeout)${atLeast}${reached}`;
}

function laneResult(lane: Lane, workload: LoadedWorkload, settings: AllocSettings): AllocResult {
  const ok = lane.status === 'ok' && lane.runsNs.length > 0;
  const summary = lane.runsNs.length > 0 ? summarize(lane.runsNs) : null;
  const result: AllocResult = {
    workload: workload.name,
    contender: lane.spec.name,
    heap: lane.spec.heapLabel(settings.heap),
    status: lane.status,
    nsPerEvent: ok && summary ? summary.median : null,
    peakReservedBytes: lane.peakReservedBytes,
    peakLiveBytes: workload.stats.peakLiveBytes,
    runs: ok ? lane.runsNs.length : 0,
    runsNs: lane.runsNs,
    spread: summary ? { min: summary.min, max: summary.max, rmad: summary.rmad } : null,
    warmup: lane.plan.warmup,
    replaysPerRun: lane.replaysPerRun,
    events: workload.stats.events,
  };
  if (lane.note !== undefined) result.note = lane.note;
  if (lane.reservedParts !== undefined) result.reservedParts = lane.reservedParts;
  return result;
}
