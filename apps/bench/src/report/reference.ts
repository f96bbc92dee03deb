import { formatNs, formatRatio } from './format.js';

/**
 * CPython 3.11's own pymalloc replaying the shipped traces (freed arenas kept
 * mapped), measured on a 2-core VM and published with the traces
 * (traces/FORMAT.md). They are reference points: never measured by this run.
 */
export interface ReferenceFigure {
  workload: string;
  nsPerEvent: number;
  reservedPerLive: number;
}

export const CPYTHON_REFERENCE: readonly ReferenceFigure[] = [
  { workload: 'startup', nsPerEvent: 16.5, reservedPerLive: 1.19 },
  { workload: 'test_gc', nsPerEvent: 10.5, reservedPerLive: 1.11 },
  { workload: 'etree', nsPerEvent: 13.1, reservedPerLive: 1.12 },
];

/** The one line printed under the tables. */
export function referenceLine(): string {
  const figures = CPYTHON_REFERENCE.map(
    (f) => `${f.workload} ${formatNs(f.nsPerEvent)} ns/event, reserved/live ${formatRatio(f.reservedPerLive)}`,
  ).join(' · ');
  return `Reference, not measured in this run: CPython 3.11 pymalloc, 2-core VM (traces/FORMAT.md): ${figures}`;
}
