import type { AllocatorStats } from '@pymem/core';
import type { ApiId } from './layout.js';
import type { TracebackHook } from './report.js';

export interface DebugOptions {
  /**
   * The family `malloc`/`calloc`/`realloc`/`free` use. `'o'` (PyObject_Malloc)
   * is what the runtime's objects use; `mallocApi` & co. name one explicitly.
   * @defaultValue 'o'
   */
  api?: ApiId;
  /**
   * Freed blocks kept back (filled DEADBYTE, still allocated in the inner
   * allocator) before they go back to it, oldest first. When one leaves, its
   * bytes are checked: a change is a write after free. 0 gives every block
   * back at once (as CPython does) and catches no write after free.
   * @defaultValue 16
   */
  quarantine?: number;
  /**
   * Where reports go. Called once per report with the whole text (lines
   * joined by `\n`, ending in `\n`).
   * @defaultValue console.error
   */
  write?: (text: string) => void;
  /**
   * The allocation traceback of a block (data pointer), one frame per string,
   * most recent call first, e.g. `File "app.ts", line 12`; null when the block
   * was not traced. When given, reports end with CPython's `Memory block
   * allocated at (most recent call first):` section; when not, with CPython's
   * `Enable tracemalloc to get the memory block allocation traceback`.
   * @defaultValue none
   */
  traceback?: TracebackHook;
}

export interface DebugStats extends AllocatorStats {
  /** Freed blocks held in the quarantine. */
  quarantinedBlocks: number;
  /** Inner bytes those blocks hold (requested + 24 each). */
  quarantinedBytes: number;
  /** Bytes the decoration adds to the live blocks (24 each). */
  overheadBytes: number;
  /** The wrapped allocator's own figures (its blocks include the decoration and quarantine). */
  inner: AllocatorStats;
}
