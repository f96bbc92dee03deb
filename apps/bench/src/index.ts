/** The bench as a library: what tests and later tools (report, explorer) reuse. */
export { main, buildProgram, EXIT_USAGE } from './main.js';
export type { CliContext } from './commands/context.js';
export { renderReport, runAllocCommand } from './commands/alloc.js';
export * from './results.js';
export * from './options.js';
export * from './errors.js';
export * from './contenders/api.js';
export { CONTENDERS, DEFAULT_CONTENDERS, contenderNames, getContender, resolveContenders } from './contenders/registry.js';
export * from './workloads/api.js';
export { WORKLOADS, DEFAULT_WORKLOADS, bundledTracesDir, resolveWorkload, resolveWorkloads } from './workloads/registry.js';
export { loadWorkload, idsLiveAtEnd, traceFileWorkload } from './workloads/trace-file.js';
export * from './measure/stats.js';
export * from './measure/schedule.js';
export { runAlloc, type AllocRun, type RunnerEnv } from './measure/alloc-runner.js';
export * from './measure/progress.js';
export { renderAllocTable, renderNotes, workloadHeading, BASELINES, type Baseline } from './report/alloc-table.js';
export { referenceLine, CPYTHON_REFERENCE } from './report/reference.js';
export * from './report/format.js';
