#!/usr/bin/env python3
"""The `cpython` contender of `pymem-bench gc`: CPython's own gc module on the
shapes the pymem strategies collect (src/workloads/gc/*.ts), same sizes, same
phases, same way of timing.

    python3 gc_bench.py --workload gc_collect --size 100 --runs 7 --warmup 2

prints one JSON line:

    {"kind": "gc-result", "workload": "gc_collect", "python": "3.11.7 ...",
     "collectNs": ..., "mad": ..., "runsNs": [...], "totalNs": ...,
     "phases": [{"phase": "build", "ns": ...}, ...], "replaysPerRun": 4,
     "runs": 7, "warmup": 2, "objects": 2100, "edges": 4200, "collected": 2100,
     "collections": 2, ...}

or, on any failure, {"kind": "failed", "message": "..."} and exit status 1.

How it measures (as the bench does for the pymem strategies):
  1. The interpreter's own objects are collected and frozen first
     (gc.freeze()): a full collection then walks the workload's objects only,
     as in a pymem runtime, where nothing else is tracked. Without it a full
     collection also walks the ~11,000 objects of a bare interpreter.
  2. A measuring pass (one run, untimed) records the facts (objects, edges,
     collected, collections) and sizes the runs: a run repeats the workload
     until it lasts MIN_RUN_SECONDS (at most MAX_REPLAYS_PER_RUN times).
  3. --warmup untimed runs (each recalibrates the repeat count), then --runs
     timed runs. Each phase is timed with perf_counter_ns at its boundaries
     and summed over the run's repeats, then divided by them.
  4. collectNs is the median over the timed runs of the `collect` phase, mad
     its median absolute deviation; totalNs the median of whole runs.
Every run checks what gc.collect() returned against the shape, and fails
otherwise.
"""

import argparse
import gc
import json
import platform
import sys
import time

MIN_RUN_SECONDS = 0.1
MAX_REPLAYS_PER_RUN = 64
NS_PER_SECOND = 1e9

# gc_collect: pyperformance's CYCLES (the size) and LINKS.
GC_COLLECT_RINGS = 100
LINKS = 20
RING_NODES = LINKS + 1
# gc_traversal: pyperformance's n_levels.
GC_TRAVERSAL_LEVELS = 1000
# binary_trees: the benchmarks game's min_depth; D = max(MIN_DEPTH + 2, size).
MIN_DEPTH = 4
DEPTH_STEP = 2
BINARY_TREES_DEPTH = 12


def collections_so_far():
    return sum(generation["collections"] for generation in gc.get_stats())


def expect_collected(workload, found, expected):
    if found != expected:
        raise RuntimeError(
            f"{workload}: a full collection found {found} unreachable objects; the shape makes {expected}"
        )


class Clock:
    """Time stamps at the start of a run, at each phase boundary, at its end."""

    def __init__(self, phases):
        self.phases = phases
        self.stamps = []

    def start(self):
        self.stamps = [time.perf_counter_ns()]

    def mark(self):
        self.stamps.append(time.perf_counter_ns())

    def stop(self, sums):
        self.stamps.append(time.perf_counter_ns())
        if len(self.stamps) != self.phases + 1:
            raise RuntimeError(f"a run must mark {self.phases - 1} phase boundaries")
        for p in range(self.phases):
            sums[p] += self.stamps[p + 1] - self.stamps[p]


# ---------------------------------------------------------------- gc_collect


class Node:
    __slots__ = ("next", "prev")


def create_cycle(node, n_links):
    current = node
    for _ in range(n_links):
        next_node = Node()
        current.next = next_node
        next_node.prev = current
        current = next_node
    current.next = node
    node.prev = current


def create_gc_cycles(n_cycles, n_links):
    cycles = []
    for _ in range(n_cycles):
        node = Node()
        cycles.append(node)
        create_cycle(node, n_links)
    return cycles


class GcCollect:
    phases = ("build", "collect", "teardown")

    def __init__(self, rings):
        self.rings = rings

    def run(self, clock, facts):
        before = collections_so_far()
        all_cycles = create_gc_cycles(self.rings, LINKS)
        del all_cycles
        clock.mark()
        found = gc.collect()
        clock.mark()
        nodes = self.rings * RING_NODES
        expect_collected("gc_collect", found, nodes)
        if facts is not None:
            facts.update(rings=self.rings, objects=nodes, edges=2 * nodes, collected=found,
                         collections=collections_so_far() - before)


# -------------------------------------------------------------- gc_traversal


def create_recursive_containers(n_levels):
    current_list = []
    for n in range(n_levels):
        new_list = [None] * n
        for index in range(n):
            new_list[index] = current_list
        current_list = new_list
    return current_list


class GcTraversal:
    phases = ("touch", "collect")

    def __init__(self, levels):
        self.levels = levels
        # Only the last list is held; the others are reached through it, as in pyperformance.
        self.top = create_recursive_containers(levels)
        self.edges = levels * (levels - 1) // 2

    def run(self, clock, facts):
        before = collections_so_far()
        # touch: take and drop a reference to every list, walking down from the top.
        lst = self.top
        while len(lst) > 0:
            lst = lst[0]
        del lst
        clock.mark()
        found = gc.collect()
        expect_collected("gc_traversal", found, 0)
        if facts is not None:
            facts.update(levels=self.levels, objects=self.levels, edges=self.edges, collected=found,
                         collections=collections_so_far() - before)


# -------------------------------------------------------------- binary_trees


class TreeNode:
    __slots__ = ("left", "right")


def make_tree(depth):
    tree = TreeNode()
    if depth > 0:
        tree.left = make_tree(depth - 1)
        tree.right = make_tree(depth - 1)
    return tree


def check_tree(tree):
    if not hasattr(tree, "left"):
        return 1
    return 1 + check_tree(tree.left) + check_tree(tree.right)


def stretch(depth):
    return check_tree(make_tree(depth))


class BinaryTrees:
    phases = ("trees", "collect", "teardown")

    def __init__(self, size):
        self.max_depth = max(MIN_DEPTH + 2, size)

    def run(self, clock, facts):
        before = collections_so_far()
        max_depth = self.max_depth
        walked = stretch(max_depth + 1)
        long_lived = make_tree(max_depth)
        trees = 2
        for d in range(MIN_DEPTH, max_depth + 1, DEPTH_STEP):
            iterations = 2 ** (max_depth - d + MIN_DEPTH)
            for _ in range(iterations):
                walked += stretch(d)
            trees += iterations
            expect_collected("binary_trees", gc.collect(), 0)
        clock.mark()
        found = gc.collect()
        expect_collected("binary_trees", found, 0)
        clock.mark()
        long_lived_nodes = check_tree(long_lived)
        del long_lived
        if facts is not None:
            facts.update(depth=max_depth, trees=trees, nodesWalked=walked + long_lived_nodes,
                         objects=long_lived_nodes, edges=long_lived_nodes - 1, collected=found,
                         collections=collections_so_far() - before)


WORKLOADS = {
    "gc_collect": (GcCollect, GC_COLLECT_RINGS),
    "gc_traversal": (GcTraversal, GC_TRAVERSAL_LEVELS),
    "binary_trees": (BinaryTrees, BINARY_TREES_DEPTH),
}


# ------------------------------------------------------------------- driver


def replays_per_run(replay_seconds):
    if replay_seconds <= 0:
        return MAX_REPLAYS_PER_RUN
    return max(1, min(MAX_REPLAYS_PER_RUN, -int(-MIN_RUN_SECONDS // replay_seconds)))


def run_once(work, clock, facts, sums):
    clock.start()
    work.run(clock, facts)
    clock.stop(sums)


def median(xs):
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 == 1 else (s[mid - 1] + s[mid]) / 2


def measure(name, size, runs, warmup):
    cls, _default = WORKLOADS[name]
    gc.collect()
    gc.freeze()
    work = cls(size)
    phases = len(cls.phases)
    collect_phase = cls.phases.index("collect")
    clock = Clock(phases)

    facts = {}
    sums = [0] * phases
    run_once(work, clock, facts, sums)
    replays = replays_per_run(sum(sums) / NS_PER_SECOND)

    for _ in range(warmup):
        sums = [0] * phases
        for _ in range(replays):
            run_once(work, clock, None, sums)
        replays = replays_per_run(sum(sums) / replays / NS_PER_SECOND)

    per_phase = [[] for _ in range(phases)]
    totals = []
    for _ in range(runs):
        sums = [0] * phases
        for _ in range(replays):
            run_once(work, clock, None, sums)
        for p in range(phases):
            per_phase[p].append(sums[p] / replays)
        totals.append(sum(sums) / replays)

    runs_ns = per_phase[collect_phase]
    collect_ns = median(runs_ns)
    return {
        "kind": "gc-result",
        "workload": name,
        "size": size,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pythonBuild": sys.version.replace("\n", " "),
        "thresholds": list(gc.get_threshold()),
        "collectNs": collect_ns,
        "mad": median([abs(x - collect_ns) for x in runs_ns]),
        "runsNs": runs_ns,
        "totalNs": median(totals),
        "phases": [{"phase": cls.phases[p], "ns": median(per_phase[p])} for p in range(phases)],
        "replaysPerRun": replays,
        "runs": runs,
        "warmup": warmup,
        **facts,
    }


def main(argv):
    parser = argparse.ArgumentParser(description="CPython's gc on pymem-bench's GC shapes")
    parser.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    parser.add_argument("--size", type=int, default=None, help="the workload's size (rings, levels, depth)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    size = args.size if args.size is not None else WORKLOADS[args.workload][1]
    if size < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("--size and --runs must be >= 1, --warmup >= 0")
    try:
        result = measure(args.workload, size, args.runs, args.warmup)
    except Exception as error:  # report any failure as one JSON line
        print(json.dumps({"kind": "failed", "message": f"{type(error).__name__}: {error}"}), flush=True)
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
