import type { ResultStatus } from '../results.js';
import { formatCount, formatNs } from '../report/format.js';
import { ReplayTimeoutError, type Answer, type ContenderHandle } from './channel.js';
import type { Progress } from './progress.js';
import { planRuns, replaysPerRun, roundCount, roundRole, warmupRounds, type RunPlan, type RunSettings } from './schedule.js';

/*
 * The rounds of one workload, whatever is measured (a trace replay for
 * `alloc`, a runtime workload for `objects` and `gc`): every contender is a lane with
 * its own worker (or child process); all lanes start, then each does its
 * measuring pass, then the interleaved warm-up and timed rounds of
 * schedule.ts. The subcommand builds the lanes and turns them into results.
 *
 * Lane states: running --timeout--> timeout, running --failure--> error (both
 * final: the handle is closed and the lane takes no further part). A lane
 * that cannot run at all starts and stays `skipped`, without a handle.
 */

/** Nanoseconds per second. */
const NS_PER_SECOND = 1e9;

/** The settings every lane set runs under. */
export interface LaneSettings extends RunSettings {
  /** Seconds one request may take before the contender is stopped. */
  timeoutSeconds: number;
}

/** One timed run's answer: `ns` summed over `replays` replays, and per phase when the subject times phases. */
export interface TimedRun {
  replays: number;
  ns: number;
  phasesNs: readonly number[] | undefined;
}

export type MeasuredAnswer = Extract<Answer, { kind: 'measured' }>;

/** One contender on one workload. */
export interface Lane {
  /** The contender's name (notes, progress). */
  readonly name: string;
  /** null only when skipped. */
  handle: ContenderHandle | null;
  status: ResultStatus;
  note: string | undefined;
  /** The measuring pass's answer; null until it arrives. */
  measured: MeasuredAnswer | null;
  plan: RunPlan;
  /** Replays each warm-up and timed run repeats. */
  replaysPerRun: number;
  /** Warm-up and timed runs done after the measuring pass. */
  runsDone: number;
  timed: TimedRun[];
}

/** What the rounds of one workload need to know about it. */
export interface LaneWorkload {
  /** For progress labels. */
  name: string;
  /** Units in one replay (trace events, workload ops): progress fractions, the timeout note. */
  units: number;
  /** The unit, singular and plural ("event", "events"). */
  unit: readonly [string, string];
}

/** Runs planned per lane (the measuring pass counts as one) before it says otherwise. */
export function plannedRuns(settings: RunSettings): number {
  return 1 + settings.warmup + settings.runs;
}

/** A lane that will run on `handle`. */
export function newLane(name: string, handle: ContenderHandle, settings: RunSettings): Lane {
  return {
    name,
    handle,
    status: 'ok',
    note: undefined,
    measured: null,
    plan: { warmup: settings.warmup, runs: settings.runs, reduced: false },
    replaysPerRun: 1,
    runsDone: 0,
    timed: [],
  };
}

/** A lane that cannot run here: no runs, and the reason as its note. */
export function skippedLane(name: string, reason: string, settings: RunSettings, progress: Progress): Lane {
  progress.addTotal(-plannedRuns(settings));
  return {
    name,
    handle: null,
    status: 'skipped',
    note: reason,
    measured: null,
    plan: { warmup: 0, runs: 0, reduced: false },
    replaysPerRun: 0,
    runsDone: 0,
    timed: [],
  };
}

/** Start every lane, measure each, run the rounds; every handle is closed afterwards. */
export async function runLanes(lanes: Lane[], workload: LaneWorkload, settings: LaneSettings, progress: Progress): Promise<void> {
  try {
    for (const lane of lanes) await startLane(lane, settings, progress);
    for (const lane of lanes) await measureLane(lane, workload, settings, progress);
    await timedRounds(lanes, workload, settings, progress);
  } finally {
    await Promise.all(lanes.map((lane) => (lane.handle ? lane.handle.close() : Promise.resolve())));
  }
}

async function startLane(lane: Lane, settings: LaneSettings, progress: Progress): Promise<void> {
  if (lane.status !== 'ok' || !lane.handle) return;
  try {
    await lane.handle.ready(settings.timeoutSeconds);
  } catch (err) {
    laneFailed(lane, err, null, progress);
  }
}

/** Round 0: the untimed pass on the fresh subject, which also sizes the lane's plan. */
async function measureLane(lane: Lane, workload: LaneWorkload, settings: LaneSettings, progress: Progress): Promise<void> {
  if (lane.status !== 'ok' || !lane.handle) return;
  const label = `${workload.name} · ${lane.name} · measuring pass`;
  progress.update(label, 0);
  try {
    const answer = await lane.handle.request({ kind: 'measure' }, settings.timeoutSeconds, (units) =>
      progress.update(label, workload.units > 0 ? units / workload.units : 1),
    );
    if (answer.kind !== 'measured') throw new Error(`expected a measured answer, got ${answer.kind}`);
    progress.completeOne();
    lane.measured = answer;
    if (answer.remark !== undefined) addNote(lane, answer.remark, progress);
    lane.replaysPerRun = replaysPerRun(answer.seconds);
    adoptPlan(lane, planRuns(answer.seconds * lane.replaysPerRun, settings), answer.seconds, settings, progress);
  } catch (err) {
    laneFailed(lane, err, workload, progress);
  }
}

function adoptPlan(lane: Lane, plan: RunPlan, seconds: number, settings: LaneSettings, progress: Progress): void {
  lane.plan = plan;
  if (!plan.reduced) return;
  progress.addTotal(plan.warmup + plan.runs - settings.warmup - settings.runs);
  const cut = [
    plan.warmup < settings.warmup ? `${plan.warmup} of ${settings.warmup} warm-ups` : `${plan.warmup} warm-ups`,
    plan.runs < settings.runs ? `${plan.runs} of ${settings.runs} timed runs` : `${plan.runs} timed runs`,
  ];
  addNote(lane, `${cut.join(', ')}: one replay takes ${seconds.toFixed(1)} s (--budget ${settings.budgetSeconds} s)`, progress);
}

/** Keep a note for the results and show it now. */
export function addNote(lane: Lane, text: string, progress: Progress): void {
  lane.note = lane.note === undefined ? text : `${lane.note}; ${text}`;
  progress.note(`  ${lane.name}: ${text}`);
}

/** Rounds 1..: each round every lane with a role replays once, in lane order. */
async function timedRounds(lanes: Lane[], workload: LaneWorkload, settings: LaneSettings, progress: Progress): Promise<void> {
  const live = lanes.filter((lane) => lane.status === 'ok');
  const plans = live.map((lane) => lane.plan);
  const warmup = warmupRounds(plans);
  const rounds = roundCount(plans);
  for (let round = 0; round < rounds; round++) {
    for (const lane of live) {
      const role = roundRole(lane.plan, warmup, round);
      if (role === 'idle' || lane.status !== 'ok') continue;
      const step = role === 'timed' ? `run ${round - warmup + 1}/${lane.plan.runs}` : `warm-up ${round - warmup + lane.plan.warmup + 1}/${lane.plan.warmup}`;
      progress.update(`${workload.name} · ${lane.name} · ${step}`, 0);
      await replayOnce(lane, role === 'timed', workload, settings, progress);
    }
  }
}

async function replayOnce(lane: Lane, timed: boolean, workload: LaneWorkload, settings: LaneSettings, progress: Progress): Promise<void> {
  if (!lane.handle) return;
  try {
    const count = lane.replaysPerRun;
    const answer = await lane.handle.request({ kind: 'replay', count }, settings.timeoutSeconds * count, () => undefined);
    if (answer.kind !== 'replayed') throw new Error(`expected a replayed answer, got ${answer.kind}`);
    progress.completeOne();
    lane.runsDone++;
    if (timed) lane.timed.push({ replays: count, ns: answer.ns, phasesNs: answer.phasesNs });
    // Warm-ups recalibrate: a warm replay is faster than the fresh measuring pass.
    else lane.replaysPerRun = replaysPerRun(answer.ns / count / NS_PER_SECOND);
  } catch (err) {
    laneFailed(lane, err, workload, progress);
  }
}

/**
 * A lane stops for good: record why, drop its remaining runs from the
 * progress total. `workload` is null when the contender did not even start.
 */
function laneFailed(lane: Lane, err: unknown, workload: LaneWorkload | null, progress: Progress): void {
  const measuring = lane.measured === null ? 1 : 0;
  const remaining = measuring + lane.plan.warmup + lane.plan.runs - lane.runsDone;
  progress.addTotal(-Math.max(0, remaining));
  lane.status = err instanceof ReplayTimeoutError ? 'timeout' : 'error';
  const why = err instanceof ReplayTimeoutError ? timeoutNote(err, workload) : err instanceof Error ? err.message : String(err);
  addNote(lane, `${lane.status}: ${why}`, progress);
  void lane.handle?.close();
}

function timeoutNote(err: ReplayTimeoutError, workload: LaneWorkload | null): string {
  if (workload === null) return `the worker did not start within ${err.seconds} s (--timeout)`;
  const { units, unit } = workload;
  // A replay of all its units that needs more than the timeout costs more than this per unit.
  const atLeast = units > 0 ? `, so at least ${formatNs((err.seconds * NS_PER_SECOND) / units)} ns/${unit[0]}` : '';
  const reached = err.eventsDone > 0 ? `; it had replayed ${formatCount(err.eventsDone)} of ${formatCount(units)} ${unit[1]}` : '';
  return `one replay took over ${err.seconds} s (--timeout)${atLeast}${reached}`;
}
