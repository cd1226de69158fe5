import type { CloseName, Op, RequestData, ResultData } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import type { Identity } from '../services/accounts.js';
import type { ServerContext } from './context.js';

/**
 * What a handler may use of the connection a request came on (the session implements it): the request
 * context to hand to services, and the connection's own state for the handshake and auth ops.
 */
export interface OpCall {
  readonly ctx: ServerContext;
  /** Who asks, from which connection; throws `unauthorized` before the connection authenticated. */
  readonly caller: RequestContext;
  /** The authenticated user and device; throws `unauthorized` before the connection authenticated. */
  readonly me: Identity;
  /** The client's address as per-IP limits and the audit log key it. */
  readonly ip: string;
  /** Set by `hello` once the client speaks this protocol. */
  helloDone: boolean;
  /**
   * Runs `step` after the previous ordered step of this connection has settled, so work that may
   * wait (a send's validation) still finishes in arrival order. Callers continue in that order too.
   */
  ordered<T>(step: () => Promise<T>): Promise<T>;
  /** Marks the connection authenticated and registers it for pushes. */
  authenticate(identity: Identity): void;
  /** Closes the connection with a close code from the table. */
  end(close: CloseName): void;
}

/** Handles one op: gets the validated `data`, returns the result or throws a WarblerError. */
export type Handler<O extends Op> = (s: OpCall, data: RequestData<O>) => Promise<ResultData<O>>;
export type Handlers<O extends Op> = { [K in O]: Handler<K> };
