/**
 * Filter and DomainFilter: CPython's trace filters, applied by
 * Snapshot.filterTraces.
 *
 * A trace is kept when it matches at least one inclusive filter (if there
 * is any) and no exclusive filter rejects it. Filter(inclusive, pattern):
 * - pattern uses fnmatch rules over the whole filename: `*` any run of
 *   characters (slashes included), `?` one character, `[seq]` / `[!seq]` a set;
 *   case-sensitive (POSIX normcase);
 * - lineno, when set, must equal the frame's line too;
 * - allFrames: test every frame of the traceback, else only the most recent;
 * - domain, when set, must also match (inclusive) / lets other domains through (exclusive).
 */
import type { Trace } from './trace.js';

export class Filter {
  readonly inclusive: boolean;
  readonly filenamePattern: string;
  readonly lineno: number | null;
  readonly allFrames: boolean;
  readonly domain: number | null;
  private readonly regex: RegExp;

  constructor(inclusive: boolean, filenamePattern: string, lineno: number | null = null, allFrames = false, domain: number | null = null) {
    this.inclusive = inclusive;
    this.filenamePattern = filenamePattern;
    this.lineno = lineno;
    this.allFrames = allFrames;
    this.domain = domain;
    this.regex = fnmatchRegExp(filenamePattern);
  }

  /** Whether this filter lets `trace` through. */
  match(trace: Trace): boolean {
    const result = this.matchTraceback(trace);
    if (this.domain === null) return result;
    return this.inclusive ? result && trace.domain === this.domain : result || trace.domain !== this.domain;
  }

  private matchFrame(filename: string, lineno: number): boolean {
    if (!this.regex.test(filename)) return false;
    return this.lineno === null || lineno === this.lineno;
  }

  private matchTraceback(trace: Trace): boolean {
    const frames = trace.traceback.frames;
    if (this.allFrames) {
      const any = frames.some((f) => this.matchFrame(f.filename, f.lineno));
      return any ? this.inclusive : !this.inclusive;
    }
    // CPython tests traceback[0] of the raw (most recent first) frames: the allocating line.
    const last = frames[frames.length - 1];
    return this.matchFrame(last.filename, last.lineno) !== !this.inclusive;
  }
}

export class DomainFilter {
  readonly inclusive: boolean;
  readonly domain: number;
  constructor(inclusive: boolean, domain: number) {
    this.inclusive = inclusive;
    this.domain = domain;
  }
  match(trace: Trace): boolean {
    return (trace.domain === this.domain) !== !this.inclusive;
  }
}

export type TraceFilter = Filter | DomainFilter;

/** Python's fnmatch.translate, as a RegExp over the whole name. */
export function fnmatchRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[\\s\\S]';
    } else if (c === '[') {
      const set = readSet(pattern, i);
      if (set === null) {
        out += '\\[';
      } else {
        out += set.regex;
        i = set.end;
      }
    } else {
      out += escapeRegExp(c);
    }
  }
  return new RegExp(`^${out}$`);
}

/** A `[...]` set starting at `start`, or null when it never closes (then `[` is literal). */
function readSet(pattern: string, start: number): { regex: string; end: number } | null {
  let j = start + 1;
  if (pattern[j] === '!') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']') j++;
  if (j >= pattern.length) return null;
  let body = pattern.slice(start + 1, j);
  let negate = false;
  if (body.startsWith('!')) {
    negate = true;
    body = body.slice(1);
  }
  const escaped = body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^').replace(/\[/g, '\\[').replace(/]/g, '\\]');
  // Restore the `-` ranges: escaping leaves them intact.
  return { regex: `[${negate ? '^' : ''}${escaped}]`, end: j };
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
