/**
 * Stack capture: the file:line frames of the user code that allocated.
 *
 * Fast path (every traced allocation):
 *   1. With Error.prepareStackTrace swapped for one that returns V8's
 *      structured call sites, capture at most `depth` frames below the
 *      boundary (the tracer's addTrace: it and everything above it are cut
 *      by V8 itself). No string is formatted.
 *   2. Walk the call sites, skipping pymem's own frames (any file under a
 *      @pymem/* or pymem package) and runtime internals (`node:`, native,
 *      no file), and keep the first `nframe` user frames, most recent first.
 *   3. Walk the raw-position trie along the kept frames' *generated*
 *      positions (script name, then source offset in it): the node reached
 *      holds the interned Traceback. Map lookups on the script's own name
 *      string and a number: no key string is built, nothing is allocated
 *      beyond V8's call sites.
 *
 * Raw-position trie (one per nframe; cleared when nframe changes):
 *
 *   root ──file──> Map<offset, RawNode> ──> RawNode { traceback, next } ──file──> ...
 *         most recent kept frame             level k = k kept frames
 *
 * Slow path (the first time a path is seen): capture the same stack again
 * as a string through the prepareStackTrace that was installed before us
 * (Node's when source maps are enabled, Vitest's under Vitest), so the
 * frames come back source-mapped, read the kept frames' lines from it, and
 * intern the Traceback by its frames (`byFrames`), so paths that map to the
 * same lines share one object; then hang it on the trie.
 *
 * Depth: frames are costly to capture (V8 summarises each one, deoptimising
 * inlined frames on paper), so capture starts at nframe + INITIAL_EXTRA_DEPTH.
 * If fewer than `nframe` user frames were found and the stack was cut at
 * the depth limit, the extra depth doubles (up to MAX_DEPTH) and capture
 * retries: it adapts to how deep pymem's own frames go.
 *
 * Invariants:
 *   every Traceback in the trie is also in byFrames (same object)
 *   a trie node at level k holds the traceback of exactly those k raw frames
 *   trieNframe === the nframe the trie was built for
 */
import { Frame, Traceback, UNKNOWN_FILENAME } from './frames.js';

/** A V8 call site: the part of its API used here. */
interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  /** Source offset in the script (V8 >= 9; absent in other engines' emulations). */
  getPosition?(): number;
  isNative(): boolean;
}

type PrepareStackTrace = ((error: Error, sites: CallSite[]) => unknown) | undefined;

interface ErrorStatics {
  prepareStackTrace?: PrepareStackTrace;
  stackTraceLimit: number;
  captureStackTrace?: (target: object, constructorOpt?: unknown) => void;
}

const ErrorCtor = Error as unknown as ErrorStatics;

/** A function on the stack: it and every frame above it are left out of captures. */
export type CaptureBoundary = (...args: never[]) => unknown;

/**
 * Frames captured beyond nframe at first: the wrapper method (malloc, free,
 * track...) that called addTrace. Deeper pymem paths (the runtime calling
 * the wrapper) grow it once, on their first capture (see capture()).
 */
const INITIAL_EXTRA_DEPTH = 1;
/** Deepest stack ever captured. */
const MAX_DEPTH = 1024;
/**
 * Fallback raw position where a call site has no getPosition():
 * line * LINE_STRIDE + column, exact below 2^21 lines and 2^32 columns.
 */
const LINE_STRIDE = 2 ** 32;

function returnCallSites(_error: Error, sites: CallSite[]): CallSite[] {
  return sites;
}

/** Strip a `file://` scheme so frames read as paths, like CPython's. */
export function displayFilename(name: string): string {
  if (!name.startsWith('file://')) return name;
  try {
    return decodeURIComponent(name.slice('file://'.length));
  } catch {
    return name.slice('file://'.length);
  }
}

/** Matches the file of a package's source or build in pymem's monorepo layout. */
const MONOREPO_PACKAGE = /^(.*\/packages)\/[^/]+\/(src|dist)\//;

/**
 * The monorepo's `packages` folder when this module runs from it (tests,
 * local builds), found from this module's own call site; else null.
 */
function findPackagesRoot(): string | null {
  const sites = captureCallSites(1);
  const own = sites.length > 0 ? sites[0].getFileName() : null;
  if (!own) return null;
  const match = MONOREPO_PACKAGE.exec(displayFilename(own).replace(/\\/g, '/'));
  return match ? `${match[1]}/` : null;
}

/**
 * The one object stacks are captured onto, reused so each capture does not
 * add a property to a fresh object. Its `stack` is reset after each read, so
 * it keeps no call sites (and no receivers) alive between captures.
 */
const holder: { stack?: unknown } = {};

/** V8's call sites of at most `depth` frames below `below` (all frames when it is not on the stack). */
function captureCallSites(depth: number, below?: CaptureBoundary): CallSite[] {
  const limit = ErrorCtor.stackTraceLimit;
  const prepare = ErrorCtor.prepareStackTrace;
  ErrorCtor.stackTraceLimit = depth;
  ErrorCtor.prepareStackTrace = returnCallSites;
  try {
    ErrorCtor.captureStackTrace?.(holder, below);
    const sites = holder.stack;
    return Array.isArray(sites) ? (sites as CallSite[]) : [];
  } finally {
    holder.stack = undefined;
    ErrorCtor.prepareStackTrace = prepare;
    ErrorCtor.stackTraceLimit = limit;
  }
}

/** A call site's generated position as one number: equal numbers <=> same line and column of the same script. */
function rawPosition(site: CallSite): number {
  if (site.getPosition !== undefined) return site.getPosition();
  return (site.getLineNumber() ?? 0) * LINE_STRIDE + (site.getColumnNumber() ?? 0);
}

const packagesRoot = findPackagesRoot();
const ownPackageDirs = /[/\\]node_modules[/\\](@pymem[/\\][^/\\]+|pymem)[/\\]/;

/** isHiddenFile's answers by file name: a stack names few files, often. */
const hiddenCache = new Map<string, boolean>();

/** True for a frame pymem hides: its own code, runtime internals, native or file-less frames. */
export function isHiddenFile(name: string | null | undefined): boolean {
  if (!name) return true;
  let hidden = hiddenCache.get(name);
  if (hidden === undefined) {
    hidden = classifyFile(name);
    hiddenCache.set(name, hidden);
  }
  return hidden;
}

function classifyFile(name: string): boolean {
  if (name.startsWith('node:') || name.startsWith('internal/')) return true;
  if (ownPackageDirs.test(name)) return true;
  if (packagesRoot === null) return false;
  const path = displayFilename(name).replace(/\\/g, '/');
  return path.startsWith(packagesRoot) && MONOREPO_PACKAGE.test(path);
}

/** One frame line of a formatted stack: `    at fn (file:line:col)` or `    at file:line:col`. */
const STACK_LINE = /(?:\(|at )([^()]*?):(\d+):(\d+)\)?$/;

/**
 * A node of the raw-position trie: the path from the root spells the raw
 * positions of k kept frames, most recent first.
 *   traceback  the interned Traceback of exactly those k frames, or null
 *              (no capture has ended here yet)
 *   next       children by script name, then raw position; null until one exists
 */
class RawNode {
  traceback: Traceback | null = null;
  next: Map<string, Map<number, RawNode>> | null = null;

  /** The child for one more frame, or null. */
  child(file: string, position: number): RawNode | null {
    return this.next?.get(file)?.get(position) ?? null;
  }

}

/** Captures, filters and interns tracebacks. One per Tracemalloc. */
export class StackCapture {
  private root = new RawNode();
  /** The nframe the trie was built for (its levels are frame counts). */
  private trieNframe = 0;
  private rawNodes = 0;
  private readonly byFrames = new Map<string, Traceback>();
  private readonly frames = new Map<string, Frame>();
  private extraDepth = INITIAL_EXTRA_DEPTH;
  /** kept[0 .. keptCount): indices into the last capture's call sites of the kept frames, most recent first (reused, only grows). */
  private readonly kept: number[] = [];
  private keptCount = 0;

  /** `boundary`: the function that calls capture(); it and the frames above it are never captured. */
  constructor(private readonly boundary: CaptureBoundary) {}

  /** Interned tracebacks (for the memory estimate). */
  get internedCount(): number {
    return this.byFrames.size;
  }

  /** Characters in interned frame keys (for the memory estimate). */
  internedChars(): number {
    let chars = 0;
    for (const key of this.byFrames.keys()) chars += key.length;
    return chars;
  }

  get internedFrameCount(): number {
    return this.frames.size;
  }

  /** Nodes of the raw-position trie (for the memory estimate). */
  get rawNodeCount(): number {
    return this.rawNodes;
  }

  clear(): void {
    this.root = new RawNode();
    this.rawNodes = 0;
    this.byFrames.clear();
    this.frames.clear();
  }

  /** The traceback of the calling user code, at most `nframe` frames. */
  capture(nframe: number): Traceback {
    if (nframe !== this.trieNframe) {
      this.clear();
      this.trieNframe = nframe;
    }
    for (;;) {
      const depth = this.extraDepth + nframe;
      const sites = captureCallSites(depth, this.boundary);
      const node = this.selectFrames(sites, nframe);
      if (this.keptCount < nframe && sites.length >= depth && depth < MAX_DEPTH) {
        this.extraDepth = Math.min(this.extraDepth * 2, MAX_DEPTH);
        continue;
      }
      if (node !== null && node.traceback !== null) return node.traceback;
      return this.internPath(sites, depth);
    }
  }

  /**
   * Fill `kept` with the indices of the first nframe user sites, walking the
   * trie along them; return the node reached, or null when the path leaves
   * the trie.
   */
  private selectFrames(sites: CallSite[], nframe: number): RawNode | null {
    const kept = this.kept;
    let count = 0;
    let node: RawNode | null = this.root;
    for (let i = 0; i < sites.length && count < nframe; i++) {
      const site = sites[i];
      const file = site.getFileName();
      if (isHiddenFile(file) || site.isNative()) continue;
      kept[count++] = i;
      if (node !== null) node = node.child(file!, rawPosition(site));
    }
    this.keptCount = count;
    return node;
  }

  /** Slow path: resolve the kept frames and hang the Traceback on the trie. */
  private internPath(sites: CallSite[], depth: number): Traceback {
    const traceback = this.resolve(sites, depth);
    let node = this.root;
    for (let k = 0; k < this.keptCount; k++) {
      const site = sites[this.kept[k]];
      node = this.childOrNew(node, site.getFileName()!, rawPosition(site));
    }
    node.traceback = traceback;
    return traceback;
  }

  /** The child of `node` for one more frame, made if missing. */
  private childOrNew(node: RawNode, file: string, position: number): RawNode {
    node.next ??= new Map();
    let byPosition = node.next.get(file);
    if (byPosition === undefined) {
      byPosition = new Map();
      node.next.set(file, byPosition);
    }
    let child = byPosition.get(position);
    if (child === undefined) {
      child = new RawNode();
      byPosition.set(position, child);
      this.rawNodes++;
    }
    return child;
  }

  /** Slow path: the kept frames, source-mapped through the installed stack formatter. */
  private resolve(sites: CallSite[], depth: number): Traceback {
    const lines = this.formattedLines(depth, sites.length);
    const frames: Frame[] = [];
    for (let k = 0; k < this.keptCount; k++) {
      const index = this.kept[k];
      frames.push(this.frameAt(sites[index], lines === null ? null : lines[index]));
    }
    if (frames.length === 0) frames.push(this.internFrame(UNKNOWN_FILENAME, 0));
    const traceback = Traceback.fromMostRecentFirst(frames);
    const shared = this.byFrames.get(traceback.key);
    if (shared !== undefined) return shared;
    this.byFrames.set(traceback.key, traceback);
    return traceback;
  }

  /**
   * The same stack as `sites`, formatted by the installed prepareStackTrace,
   * one line per site; null when it cannot be lined up. Both captures cut
   * the stack at the boundary, so they start at the same frame although
   * they are taken from different functions.
   */
  private formattedLines(depth: number, count: number): string[] | null {
    const limit = ErrorCtor.stackTraceLimit;
    ErrorCtor.stackTraceLimit = depth;
    const formatted: { stack?: unknown } = {};
    try {
      ErrorCtor.captureStackTrace?.(formatted, this.boundary);
    } finally {
      ErrorCtor.stackTraceLimit = limit;
    }
    if (typeof formatted.stack !== 'string') return null;
    const lines = formatted.stack.split('\n').filter((line) => /^\s+at /.test(line));
    return lines.length === count ? lines : null;
  }

  private frameAt(site: CallSite, line: string | null): Frame {
    const match = line === null ? null : STACK_LINE.exec(line);
    if (match !== null) return this.internFrame(displayFilename(match[1]), Number(match[2]));
    return this.internFrame(displayFilename(site.getFileName() ?? UNKNOWN_FILENAME), site.getLineNumber() ?? 0);
  }

  private internFrame(filename: string, lineno: number): Frame {
    const key = `${filename}:${lineno}`;
    let frame = this.frames.get(key);
    if (frame === undefined) {
      frame = new Frame(filename, lineno);
      this.frames.set(key, frame);
    }
    return frame;
  }
}
