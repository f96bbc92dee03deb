/**
 * @pymem/tracemalloc: CPython's tracemalloc for pymem. Wrap an allocator,
 * start tracing, and every live block carries the file:line traceback of
 * the user code that allocated it; snapshots give CPython's statistics,
 * diffs and filters.
 */
export { Tracemalloc, createTracemalloc, DEFAULT_DOMAIN, MAX_NFRAME, type TracemallocOptions, type HeadSizeSource } from './tracemalloc.js';
export { TracedAllocator } from './traced-allocator.js';
export { Frame, Traceback, UNKNOWN_FILENAME, compareFrames, compareTracebacks } from './frames.js';
export { Trace } from './trace.js';
export { Snapshot, type KeyType } from './snapshot.js';
export { Statistic, StatisticDiff } from './statistic.js';
export { Filter, DomainFilter, fnmatchRegExp, type TraceFilter } from './filter.js';
export { SnapshotFormatError, SNAPSHOT_MAGIC, SNAPSHOT_VERSION } from './dump.js';
export { formatSize } from './format.js';
export { tracebackLookup, type TracebackLookup } from './debug-hook.js';
export { isHiddenFile } from './capture.js';
