import { type ErrorCode } from '@warbler/protocol';

/**
 * A request failure the client is told about, with a registered code. Anything else is `internal`.
 * Made without a stack trace: it is an answer, not a bug, and a server refusing thousands of requests
 * a second (bad input, `rate_limited`) should not spend its time capturing stacks.
 */
export class WarblerError extends Error {
  override name = 'WarblerError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? code);
    Error.stackTraceLimit = limit;
    this.code = code;
  }

  /** The message for the client, when it says more than the registry's. */
  get detail(): string | undefined {
    return this.message === this.code ? undefined : this.message;
  }
}
