import { type ErrorCode } from '@warbler/protocol';

/** A request failure the client is told about, with a registered code. Anything else is `internal`. */
export class WarblerError extends Error {
  override name = 'WarblerError';
  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Extra fields of the error body: `retryAfterMs` for `overloaded`. */
    readonly extra?: { retryAfterMs?: number },
  ) {
    super(message ?? code);
  }
  /** The message for the client, when it says more than the registry's. */
  get detail(): string | undefined {
    return this.message === this.code ? undefined : this.message;
  }
}
