/** Number formatting shared by the table and the notes. */

const KIB = 1024;
const MIB = KIB * KIB;
const GIB = MIB * KIB;

/** Bytes as B / KiB / MiB / GiB with two decimals above a KiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(2)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(2)} KiB`;
  return `${bytes} B`;
}

/** ns/event with three significant-ish digits: 3.14, 31.4, 314, 3,142. */
export function formatNs(ns: number): string {
  if (ns < 10) return ns.toFixed(2);
  if (ns < 1000) return ns.toFixed(1);
  return Math.round(ns).toLocaleString('en-US');
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A ratio: two significant digits below 0.1, 1.00 below 10, 12.3 below 100, 123 above. */
export function formatRatio(r: number): string {
  if (r < 0.1) return r.toPrecision(2);
  if (r < 10) return r.toFixed(2);
  if (r < 100) return r.toFixed(1);
  return Math.round(r).toLocaleString('en-US');
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}
