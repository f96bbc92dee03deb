import type { Ptr } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';
import type { Objects } from '@pymem/objects';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { FIRST_UNCACHED_INT, shortStrings } from './inputs.js';

/*
 * containers: build containers element by element, then drop them whole.
 * One round:
 *
 * ```
 *   list   []            LIST_LENGTH appends of a new int       (the item array grows by list's over-allocation)
 *   dict   {}            DICT_ENTRIES sets of new str -> new int (the keys table grows and is rebuilt)
 *   tuple  (_, ..., _)   TUPLE_LENGTH new ints stored into a tuple made at its final size
 *   drop   the list, the dict, the tuple: every element goes with them
 * ```
 *
 * One op = one element inserted, the making of the element itself included
 * (an int, or a key str and an int for the dict). Between rounds nothing is
 * live, so each round starts from the allocator's free lists.
 */

export const LIST_LENGTH = 100;
export const DICT_ENTRIES = 50;
export const TUPLE_LENGTH = 10;
/** Elements inserted per round. */
export const ELEMENTS_PER_ROUND = LIST_LENGTH + DICT_ENTRIES + TUPLE_LENGTH;
/** Rounds at --scale 1. */
const CONTAINERS_SIZE = 2_500;

class ContainersRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly keys: readonly string[];

  constructor(
    private readonly o: Objects,
    private readonly rounds: number,
  ) {
    this.rt = o.rt;
    this.keys = shortStrings(DICT_ENTRIES);
  }

  run(_laps: Laps, facts: Facts | null): void {
    for (let round = 0; round < this.rounds; round++) {
      const list = this.buildList(round);
      const dict = this.buildDict(round);
      const tuple = this.buildTuple(round);
      if (facts !== null && round === 0) this.record(facts, list, dict, tuple);
      this.rt.decref(list);
      this.rt.decref(dict);
      this.rt.decref(tuple);
    }
  }

  private buildList(round: number): Ptr {
    const { o, rt } = this;
    const list = o.list.new();
    for (let i = 0; i < LIST_LENGTH; i++) {
      const item = o.int.new(FIRST_UNCACHED_INT + round + i);
      o.list.append(list, item);
      rt.decref(item);
    }
    return list;
  }

  private buildDict(round: number): Ptr {
    const { o, rt, keys } = this;
    const dict = o.dict.new();
    for (let i = 0; i < DICT_ENTRIES; i++) {
      const key = o.str.new(keys[i]);
      const value = o.int.new(FIRST_UNCACHED_INT + round + i);
      o.dict.set(dict, key, value);
      rt.decref(key);
      rt.decref(value);
    }
    return dict;
  }

  /** PyTuple_New then PyTuple_SET_ITEM: the tuple takes over each new int's reference. */
  private buildTuple(round: number): Ptr {
    const o = this.o;
    const tuple = o.tuple.newUninitialized(TUPLE_LENGTH);
    for (let i = 0; i < TUPLE_LENGTH; i++) o.tuple.setInitial(tuple, i, o.int.new(FIRST_UNCACHED_INT + round + i));
    return tuple;
  }

  /** The measuring pass: what the first round built. */
  private record(facts: Facts, list: Ptr, dict: Ptr, tuple: Ptr): void {
    facts.listLength = this.o.list.size(list);
    facts.dictEntries = this.o.dict.size(dict);
    facts.tupleLength = this.o.tuple.size(tuple);
  }
}

export const containersWorkload: RuntimeWorkloadSpec = {
  name: 'containers',
  suite: 'objects',
  summary: `build a list of ${LIST_LENGTH} ints by append, a dict of ${DICT_ENTRIES} str -> int, a ${TUPLE_LENGTH}-tuple, drop them; ns/element`,
  unit: 'element',
  phases: ['containers'],
  headline: 0,
  size: CONTAINERS_SIZE,
  ops: (rounds) => [rounds * ELEMENTS_PER_ROUND],
  prepare: (py, rounds) => new ContainersRun(py, rounds),
};
