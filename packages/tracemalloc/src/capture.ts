/**
 * Stack capture: the file:line frames of the user code that allocated.
 *
 * Fast path (every traced allocation):
 *   1. With Error.prepareStackTrace swapped for one that returns V8's
 *      structured call sites, capture the stack (no string formatting).
 *   2. Walk the call sites, skipping pymem's own frames (any file under a
 *      @pymem/* or pymem package) and runtime internals (`node:`, native,
 *      no file), and keep the first `nframe` user frames, most recent first.
 *   3. Join their *generated* positions (file:line:column) into a key and
 *      look the key up in `byRawKey`: a hit is the interned Traceback.
 *
 * Slow path (the first time a key is seen): capture the same stack again
 * as a string through the prepareStackTrace that was installed before us
 * (Node's when source maps are enabled, Vitest's under Vitest), so the
 * frames come back source-mapped, read the kept frames' lines from it, and
 * intern the Traceback by its frames too (`byFrames`), so positions that map
 * to the same lines share one object.
 *
 * If fewer than `nframe` user frames were found and the stack was cut at
 * the depth limit, the depth doubles (up to MAX_DEPTH) and capture retries:
 * the depth adapts to how deep pymem's own frames go.
 *
 * Invariants:
 *   every Traceback in byRawKey is also in byFrames (same object)
 *   byRawKey keys include nframe: a limit change never reuses a wrong entry
 */
import { Frame, Traceback, UNKNOWN_FILENAME } from './frames.js';

/** A V8 call site: the part of its API used here. */
interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  isNative(): boolean;
}

type PrepareStackTrace = ((error: Error, sites: CallSite[]) => unknown) | undefined;

interface ErrorStatics {
  prepareStackTrace?: PrepareStackTrace;
  stackTraceLimit: number;
  captureStackTrace?: (target: object, constructorOpt?: unknown) => void;
}

const ErrorCtor = Error as unknown as ErrorStatics;

/** Frames captured beyond nframe at first, for pymem's own frames on top. */
const INITIAL_EXTRA_DEPTH = 16;
/** Deepest stack ever captured. */
const MAX_DEPTH = 1024;

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

function captureCallSites(depth: number, below?: unknown): CallSite[] {
  const limit = ErrorCtor.stackTraceLimit;
  const prepare = ErrorCtor.prepareStackTrace;
  ErrorCtor.stackTraceLimit = depth;
  ErrorCtor.prepareStackTrace = returnCallSites;
  const holder: { stack?: unknown } = {};
  try {
    ErrorCtor.captureStackTrace?.(holder, below);
    const sites = holder.stack;
    return Array.isArray(sites) ? (sites as CallSite[]) : [];
  } finally {
    ErrorCtor.prepareStackTrace = prepare;
    ErrorCtor.stackTraceLimit = limit;
  }
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

/** Captures, filters and interns tracebacks. One per Tracemalloc. */
export class StackCapture {
  private readonly byRawKey = new Map<string, Traceback>();
  private readonly byFrames = new Map<string, Traceback>();
  private readonly frames = new Map<string, Frame>();
  private depth = INITIAL_EXTRA_DEPTH;
  /** The kept call sites of the last capture, most recent first (reused). */
  private readonly kept: number[] = [];

  /** Interned tracebacks (for the memory estimate). */
  get internedCount(): number {
    return this.byFrames.size;
  }

  /** Characters in interned keys and file names (for the memory estimate). */
  internedChars(): number {
    let chars = 0;
    for (const key of this.byRawKey.keys()) chars += key.length;
    for (const key of this.byFrames.keys()) chars += key.length;
    return chars;
  }

  get internedFrameCount(): number {
    return this.frames.size;
  }

  clear(): void {
    this.byRawKey.clear();
    this.byFrames.clear();
    this.frames.clear();
  }

  /** The traceback of the calling user code, at most `nframe` frames. */
  capture(nframe: number): Traceback {
    for (;;) {
      const depth = this.depth + nframe;
      const sites = captureCallSites(depth, CAPTURE_BOUNDARY);
      const key = this.selectFrames(sites, nframe);
      if (this.kept.length < nframe && sites.length >= depth && depth < MAX_DEPTH) {
        this.depth = Math.min(this.depth * 2, MAX_DEPTH);
        continue;
      }
      const hit = this.byRawKey.get(key);
      if (hit !== undefined) return hit;
      const traceback = this.resolve(sites, depth);
      this.byRawKey.set(key, traceback);
      return traceback;
    }
  }

  /** Fill `kept` with the indices of the first nframe user sites; return their raw key. */
  private selectFrames(sites: CallSite[], nframe: number): string {
    const kept = this.kept;
    kept.length = 0;
    let key = String(nframe);
    for (let i = 0; i < sites.length && kept.length < nframe; i++) {
      const site = sites[i];
      const file = site.getFileName();
      if (site.isNative() || isHiddenFile(file)) continue;
      kept.push(i);
      key += `\n${file}:${site.getLineNumber()}:${site.getColumnNumber()}`;
    }
    return key;
  }

  /** Slow path: the kept frames, source-mapped through the installed stack formatter. */
  private resolve(sites: CallSite[], depth: number): Traceback {
    const lines = this.formattedLines(depth, sites.length);
    const frames: Frame[] = [];
    for (const index of this.kept) {
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
   * the stack at CAPTURE_BOUNDARY (capture() itself), so they start at the
   * same frame although they are taken from different functions.
   */
  private formattedLines(depth: number, count: number): string[] | null {
    const limit = ErrorCtor.stackTraceLimit;
    ErrorCtor.stackTraceLimit = depth;
    const holder: { stack?: unknown } = {};
    try {
      ErrorCtor.captureStackTrace?.(holder, CAPTURE_BOUNDARY);
    } finally {
      ErrorCtor.stackTraceLimit = limit;
    }
    if (typeof holder.stack !== 'string') return null;
    const lines = holder.stack.split('\n').filter((line) => /^\s+at /.test(line));
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

/** Both captures drop every frame above (and including) the call to capture(). */
// eslint-disable-next-line @typescript-eslint/unbound-method
const CAPTURE_BOUNDARY = StackCapture.prototype.capture;
