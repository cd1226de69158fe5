/**
 * Who is asking, from which connection, and so how to answer: what handlers and services get of a
 * request, never the session. Made once per authenticated connection (not per request).
 *
 * A request's result goes back as its reply; what it changes is pushed to the users concerned, and a
 * push to the caller's own devices leaves out `connId` (that connection has the reply). A request that
 * did not come over a connection (a REST call) has no `connId`: every device gets the push.
 */
export interface RequestContext {
  readonly userId: number;
  readonly deviceId: number;
  /** The connection the request came on (see `Connection.connId`); undefined outside a connection. */
  readonly connId: string | undefined;
  /** The client's address as per-IP limits and the audit log key it. */
  readonly ip: string;
}
