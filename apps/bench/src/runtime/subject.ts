import type { Allocator } from '@pymem/core';
import type { Objects } from '@pymem/objects';
import type { Runtime } from '@pymem/refcount';
import { ContenderError } from '../errors.js';
import type { RuntimeWorkerInit } from '../measure/protocol.js';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from './api.js';
import { getRuntimeContender } from './contenders.js';
import { getGcContender } from './gc-contenders.js';
import { getRuntimeWorkload } from './workloads.js';

/*
 * A runtime workload inside its worker: one runtime, one prepared workload,
 * kept for every run (as the allocation subjects keep their allocator).
 *
 * States: fresh --measure()--> used --replay(count)--> used
 *
 * Invariants (between runs, checked after every run, off the clock):
 *   rt.stats().liveObjects        == its value before the first run
 *   allocator.stats().allocatedBlocks == its value before the first run
 */

/** What the measuring pass found. */
export interface RuntimeMeasure {
  /** heap.peakByteLength after the first run on the fresh runtime. */
  peakReservedBytes: number;
  /** The workload's own facts plus the object and block counts around the run. */
  facts: Facts;
}

/** What `count` timed runs took. */
export interface RuntimeReplay {
  /** Summed over the runs. */
  ns: number;
  /** Per phase, summed over the runs. */
  phasesNs: number[];
}

/** The clock of one run: a time stamp at the start, at each phase boundary, at the end. */
export class PhaseClock implements Laps {
  private readonly stamps: BigUint64Array;
  private marks = 0;

  constructor(private readonly phases: number) {
    this.stamps = new BigUint64Array(phases + 1);
  }

  start(): void {
    this.marks = 0;
    this.stamps[this.marks++] = process.hrtime.bigint();
  }

  mark(): void {
    if (this.marks < this.phases) this.stamps[this.marks] = process.hrtime.bigint();
    this.marks++;
  }

  /** Stop the clock and add each phase's ns to `phasesNs`; false if the run marked a wrong number of phases. */
  stop(phasesNs: number[]): boolean {
    const end = process.hrtime.bigint();
    if (this.marks !== this.phases) return false;
    this.stamps[this.phases] = end;
    for (let p = 0; p < this.phases; p++) phasesNs[p] += Number(this.stamps[p + 1] - this.stamps[p]);
    return true;
  }
}

export class RuntimeSubject {
  /** The runtime with its built-in types (for `gc`, the facade's PyRuntime). */
  readonly py: Objects;
  readonly rt: Runtime;
  readonly workload: RuntimeWorkloadSpec;
  private readonly contender: string;
  private readonly prepared: WorkloadRun;
  private readonly clock: PhaseClock;
  private readonly baseObjects: number;
  private readonly baseBlocks: number;

  constructor(init: RuntimeWorkerInit) {
    this.workload = getRuntimeWorkload(init.workload);
    this.contender = init.contender;
    const contender = init.suite === 'gc' ? getGcContender(init.contender) : getRuntimeContender(init.contender);
    this.py = contender.createRuntime({ backend: init.backend, checks: init.checks, allocator: init.allocator });
    this.rt = this.py.rt;
    this.prepared = this.workload.prepare(this.py, init.size);
    this.clock = new PhaseClock(this.workload.phases.length);
    this.baseObjects = this.rt.stats().liveObjects;
    this.baseBlocks = allocatedBlocks(this.rt.allocator);
  }

  /** The untimed first run on the fresh runtime: peak heap, and the facts the results' `check` shows. */
  measure(): RuntimeMeasure {
    const before = this.rt.stats();
    const facts: Facts = {};
    this.runOnce(facts, new Array<number>(this.workload.phases.length).fill(0));
    const after = this.rt.stats();
    return {
      peakReservedBytes: this.rt.heap.peakByteLength,
      facts: {
        ...facts,
        objectsCreated: after.createdObjects - before.createdObjects,
        objectsFreed: after.freedObjects - before.freedObjects,
        liveObjectsBefore: before.liveObjects,
        liveObjectsAfter: after.liveObjects,
        allocatedBlocksBefore: this.baseBlocks,
        allocatedBlocksAfter: allocatedBlocks(this.rt.allocator),
      },
    };
  }

  /** `count` timed runs, each checked off the clock. */
  replay(count: number): RuntimeReplay {
    const phasesNs = new Array<number>(this.workload.phases.length).fill(0);
    for (let k = 0; k < count; k++) this.runOnce(null, phasesNs);
    return { ns: phasesNs.reduce((a, b) => a + b, 0), phasesNs };
  }

  private runOnce(facts: Facts | null, phasesNs: number[]): void {
    this.clock.start();
    this.prepared.run(this.clock, facts);
    if (!this.clock.stop(phasesNs)) {
      throw new ContenderError(this.contender, `${this.workload.name}: a run must mark ${this.workload.phases.length - 1} phase boundaries`);
    }
    this.checkBaseline();
  }

  /** Every object and block a run made is gone again. */
  private checkBaseline(): void {
    const objects = this.rt.stats().liveObjects;
    const blocks = allocatedBlocks(this.rt.allocator);
    if (objects !== this.baseObjects || blocks !== this.baseBlocks) {
      throw new ContenderError(
        this.contender,
        `${this.workload.name}: a run left ${objects - this.baseObjects} objects and ${blocks - this.baseBlocks} blocks behind (live objects ${objects}, expected ${this.baseObjects})`,
      );
    }
  }
}

function allocatedBlocks(allocator: Allocator): number {
  return allocator.stats().allocatedBlocks;
}
