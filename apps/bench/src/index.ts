/** The bench as a library: what tests and later tools (report, explorer) reuse. */
export { main, buildProgram, EXIT_USAGE, DEFAULT_RUN } from './main.js';
export type { CliContext } from './commands/context.js';
export { renderReport, runAllocCommand, runAllocSuite } from './commands/alloc.js';
export { registerAllCommand, resolveAllOptions, runAllCommand, DEFAULT_JSON, DEFAULT_HTML, type AllOptions, type RawAllOptions } from './commands/all.js';
export { machineLines, resultsHeader, runStart, type Outputs, type RunStart } from './commands/context.js';
export { renderHtmlReport, buildCharts, chartLibrarySource, scriptJson, escapeHtml, sectionsOf, CHART_KINDS, type ChartKind, type ChartSpec, type ReportData } from './report/html.js';
export { memoryProfile, poolFragmentation, MEMORY_SAMPLES } from './measure/memory-profile.js';
export {
  TraceBuilder,
  sameSizeChurn,
  mixedSizes,
  reallocGrowth,
  larson,
  listCapacity,
  sizeSampler,
  syntheticEvents,
  SYNTHETIC_EVENTS,
  MIN_SYNTHETIC_EVENTS,
} from './workloads/synthetic.js';
export * from './results.js';
export * from './options.js';
export * from './errors.js';
export * from './contenders/api.js';
export { CONTENDERS, DEFAULT_CONTENDERS, contenderNames, getContender, getWorkerContender, resolveContenders } from './contenders/registry.js';
export { buildReplayer, benchAppDir, REPLAYER_SOURCE, REPLAYER_CACHE, PYTHON_CONFIG_ENV, type BuildOutcome, type ReplayerBuildOptions } from './contenders/cpython-build.js';
export * from './workloads/api.js';
export { WORKLOADS, DEFAULT_WORKLOADS, bundledTracesDir, expandWorkloadNames, resolveWorkload, resolveWorkloads, type BuiltinWorkload, type WorkloadKind } from './workloads/registry.js';
export { loadWorkload, idsLiveAtEnd, traceFileWorkload, traceFileOf, type TraceFile } from './workloads/trace-file.js';
export * from './measure/stats.js';
export * from './measure/schedule.js';
export { runAlloc, type AllocRun, type RunnerEnv } from './measure/alloc-runner.js';
export * from './measure/progress.js';
export { ReplayTimeoutError, WorkerFailedError, type ContenderHandle, type Answer } from './measure/channel.js';
export { ContenderProcess } from './measure/contender-process.js';
export { parseReplyLine, requestLine, type WorkerReply, type WorkerRequest, type WorkerInit, type AllocWorkerInit, type RuntimeWorkerInit } from './measure/protocol.js';
export { renderAllocTable, renderNotes, workloadHeading, BASELINES, type Baseline } from './report/alloc-table.js';
export { referenceLine, CPYTHON_REFERENCE } from './report/reference.js';
export * from './report/format.js';
export { renderObjectsReport, runObjectsCommand, runObjectsSuite } from './commands/objects.js';
export * from './runtime/api.js';
export { RUNTIME_CONTENDERS, DEFAULT_RUNTIME_CONTENDERS, runtimeContenderNames, getRuntimeContender, resolveRuntimeContenders } from './runtime/contenders.js';
export { RUNTIME_WORKLOADS, suiteWorkloads, getRuntimeWorkload, resolveRuntimeWorkloads, scaledSize } from './runtime/workloads.js';
export { RuntimeSubject, PhaseClock, type RuntimeMeasure, type RuntimeReplay } from './runtime/subject.js';
export { runRuntime, workloadInfo as runtimeWorkloadInfo, type RuntimeRun } from './measure/runtime-runner.js';
export { runLanes, newLane, skippedLane, plannedRuns, type Lane, type LaneWorkload, type LaneSettings, type TimedRun } from './measure/lanes.js';
export { ELEMENTS_PER_ROUND } from './workloads/objects/containers.js';
export { renderRuntimeTable, renderRuntimeNotes, runtimeHeading, runtimeLegend, formatRate } from './report/runtime-table.js';
export { renderGcReport, runGcCommand, runGcSuite } from './commands/gc.js';
export {
  GC_STRATEGIES,
  GC_CONTENDERS,
  GC_ALLOCATORS,
  CPYTHON_GC,
  DEFAULT_GC_CONTENDERS,
  DEFAULT_GC_ALLOCATOR,
  gcContenderNames,
  getGcContender,
  resolveGcContenders,
  parseGcAllocator,
  type GcContenders,
  type GcStrategyName,
} from './runtime/gc-contenders.js';
export { GC_SCRIPT, PYTHON_ENV, probePython, runCpythonGc, parseGcScriptLine, type CpythonGcResult, type CpythonGcOutcome, type PythonProbe } from './runtime/cpython-gc.js';
export { runGc, gcWorkloadInfo, type GcRun, type GcRunnerEnv } from './measure/gc-runner.js';
export { renderGcTables, renderGcNotes, gcHeading, gcLegend, formatDuration } from './report/gc-table.js';
export { RING_NODES } from './workloads/gc/gc-collect.js';
export { treeNodes, binaryTreesDepth } from './workloads/gc/binary-trees.js';
export { collectionsSoFar } from './workloads/gc/common.js';
