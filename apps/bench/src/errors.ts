/**
 * Errors the bench itself raises. Allocator errors (OutOfMemoryError,
 * InvalidFreeError, ...) come from @pymem/core and pass through unchanged.
 */

/** Bad command-line input: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A contender did something a correct allocator never does during a replay. */
export class ContenderError extends Error {
  readonly contender: string;
  constructor(contender: string, message: string) {
    super(`${contender}: ${message}`);
    this.name = 'ContenderError';
    this.contender = contender;
  }
}
