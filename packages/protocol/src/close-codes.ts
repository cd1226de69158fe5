/**
 * WebSocket close codes. The range says what a client does next:
 * 4000–4099: reconnect with backoff (and re-authenticate with the saved token);
 * 4100–4199: do not reconnect until the user acts (log in again, upgrade the client).
 * Standard codes the server also uses: 1009 (frame too large: reconnect, do not resend that frame) and
 * 1007 (a text frame that is not valid UTF-8: reconnect, do not resend that frame).
 * `docs/protocol.md` lists the same table; `test/registry.test.ts` keeps the two in step.
 */
export const CLOSE_CODES = {
  server_shutdown: { code: 4000, reconnect: true, reason: 'server is shutting down; reconnect' },
  slow_consumer: { code: 4001, reconnect: true, reason: 'send buffer full; reconnect and sync' },
  idle_timeout: { code: 4002, reconnect: true, reason: 'no heartbeat' },
  auth_timeout: { code: 4003, reconnect: true, reason: 'not authenticated in time' },
  internal_error: { code: 4004, reconnect: true, reason: 'internal error' },
  resync: { code: 4005, reconnect: true, reason: 'pushes may have been missed; reconnect and sync' },
  logged_out: { code: 4100, reconnect: false, reason: 'logged out' },
  token_revoked: { code: 4101, reconnect: false, reason: 'device token revoked' },
  protocol_unsupported: { code: 4102, reconnect: false, reason: 'protocol version not supported' },
  account_disabled: { code: 4103, reconnect: false, reason: 'account disabled or deleted' },
  frame_too_large: { code: 1009, reconnect: true, reason: 'frame too large' },
  invalid_utf8: { code: 1007, reconnect: true, reason: 'text frame is not valid UTF-8' },
} as const satisfies Record<string, { code: number; reconnect: boolean; reason: string }>;

export type CloseName = keyof typeof CLOSE_CODES;

/** True when a client should reconnect after a close with `code` (unknown codes: yes, with backoff). */
export function shouldReconnect(code: number): boolean {
  if (code >= 4100 && code <= 4199) return false;
  return true;
}
