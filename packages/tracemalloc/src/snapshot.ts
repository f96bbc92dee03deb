/**
 * Snapshot: the traces live at one moment, with CPython's queries.
 *
 *   statistics(keyType, cumulative)  group traces, biggest first
 *   compareTo(old, keyType, cumulative)  group both, diff, biggest change first
 *   filterTraces(filters)  a new Snapshot with the traces the filters keep
 *   dump() / Snapshot.load(bytes)  a byte image that round-trips exactly
 *
 * Group keys (CPython's `_group_by`):
 *   'traceback'  the whole traceback
 *   'lineno'     the most recent frame
 *   'filename'   the most recent frame's file, line 0
 * cumulative: every frame of each traceback counts the trace once per
 * occurrence (only with 'lineno' and 'filename').
 */
import { decodeSnapshot, encodeSnapshot } from './dump.js';
import type { TraceFilter } from './filter.js';
import { Frame, Traceback } from './frames.js';
import { Statistic, StatisticDiff, compareStatisticDiffs, compareStatistics } from './statistic.js';
import type { Trace } from './trace.js';

export type KeyType = 'filename' | 'lineno' | 'traceback';

export class Snapshot {
  readonly traces: readonly Trace[];
  /** Frames kept per traceback when the snapshot was taken (CPython's `traceback_limit`). */
  readonly traceback_limit: number;

  constructor(traces: readonly Trace[], tracebackLimit: number) {
    this.traces = traces;
    this.traceback_limit = tracebackLimit;
  }

  /** Statistics grouped by `keyType`, sorted biggest first. RangeError on a bad key type or cumulative 'traceback'. */
  statistics(keyType: KeyType, cumulative = false): Statistic[] {
    return [...this.groupBy(keyType, cumulative).values()].sort(compareStatistics);
  }

  /** Differences from `old`, sorted by the biggest change first. RangeError as statistics(). */
  compareTo(old: Snapshot, keyType: KeyType, cumulative = false): StatisticDiff[] {
    const newGroup = this.groupBy(keyType, cumulative);
    const oldGroup = old.groupBy(keyType, cumulative);
    const diffs: StatisticDiff[] = [];
    for (const [key, stat] of newGroup) {
      const previous = oldGroup.get(key);
      oldGroup.delete(key);
      const size0 = previous?.size ?? 0;
      const count0 = previous?.count ?? 0;
      diffs.push(new StatisticDiff(stat.traceback, stat.size, stat.size - size0, stat.count, stat.count - count0));
    }
    for (const stat of oldGroup.values()) {
      diffs.push(new StatisticDiff(stat.traceback, 0, -stat.size, 0, -stat.count));
    }
    return diffs.sort(compareStatisticDiffs);
  }

  /** A new snapshot with the traces `filters` keep; an empty list copies every trace. */
  filterTraces(filters: readonly TraceFilter[]): Snapshot {
    if (!isList(filters)) throw new TypeError(`filters must be a list of filters, not ${typeof filters}`);
    const include = filters.filter((f) => f.inclusive);
    const exclude = filters.filter((f) => !f.inclusive);
    const kept = this.traces.filter(
      (trace) => (include.length === 0 || include.some((f) => f.match(trace))) && exclude.every((f) => f.match(trace)),
    );
    return new Snapshot(kept, this.traceback_limit);
  }

  /** This snapshot as bytes (see dump.ts for the format). */
  dump(): Uint8Array {
    return encodeSnapshot(this);
  }

  /** A snapshot from dump()'s bytes. SnapshotFormatError on anything else. */
  static load(bytes: Uint8Array): Snapshot {
    const { traces, tracebackLimit } = decodeSnapshot(bytes);
    return new Snapshot(traces, tracebackLimit);
  }

  private groupBy(keyType: KeyType, cumulative: boolean): Map<string, Statistic> {
    if (keyType !== 'traceback' && keyType !== 'filename' && keyType !== 'lineno') {
      throw new RangeError(`unknown key_type: '${String(keyType)}'`);
    }
    if (cumulative && keyType === 'traceback') {
      throw new RangeError(`cumulative mode cannot by used with key type 'traceback'`);
    }
    const grouper = new Grouper(keyType);
    for (const trace of this.traces) {
      const frames = trace.traceback.frames;
      if (!cumulative) {
        grouper.add(grouper.keyOf(trace.traceback), trace.size);
      } else {
        for (let i = frames.length - 1; i >= 0; i--) grouper.add(grouper.frameKey(frames[i]), trace.size);
      }
    }
    return grouper.stats;
  }
}

function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Builds the group tracebacks once per distinct source traceback or frame. */
class Grouper {
  readonly stats = new Map<string, Statistic>();
  private readonly byTraceback = new Map<Traceback, Traceback>();
  private readonly byFrame = new Map<Frame, Traceback>();
  constructor(private readonly keyType: KeyType) {}

  keyOf(traceback: Traceback): Traceback {
    if (this.keyType === 'traceback') return traceback;
    let key = this.byTraceback.get(traceback);
    if (key === undefined) {
      key = this.frameKey(traceback.frames[traceback.frames.length - 1]);
      this.byTraceback.set(traceback, key);
    }
    return key;
  }

  frameKey(frame: Frame): Traceback {
    let key = this.byFrame.get(frame);
    if (key === undefined) {
      key = new Traceback([this.keyType === 'filename' ? new Frame(frame.filename, 0) : frame]);
      this.byFrame.set(frame, key);
    }
    return key;
  }

  add(key: Traceback, size: number): void {
    const stat = this.stats.get(key.key);
    if (stat === undefined) {
      this.stats.set(key.key, new Statistic(key, size, 1));
    } else {
      stat.size += size;
      stat.count += 1;
    }
  }
}
