/**
 * The error registry: every error a request can get, with its HTTP-like status.
 * Codes are stable strings: clients branch on `code`, never on `message`.
 * `docs/protocol.md` lists the same table; `test/registry.test.ts` keeps the two in step.
 */
export const ERRORS = {
  bad_json: { status: 400, message: 'frame is not valid JSON' },
  invalid_frame: { status: 400, message: 'frame is missing a field or has a field of the wrong type' },
  unknown_op: { status: 400, message: 'unknown frame type' },
  hello_required: { status: 400, message: 'the first frame must be hello' },
  protocol_unsupported: { status: 400, message: 'protocol version not supported' },
  invalid_username: { status: 400, message: 'username does not follow the rules' },
  invalid_password: { status: 400, message: 'password does not follow the rules' },
  invalid_display_name: { status: 400, message: 'display name does not follow the rules' },
  invalid_cursor: { status: 400, message: 'sequence is beyond the conversation' },
  invalid_body: { status: 400, message: 'HTTP request body is not JSON or is missing a field or has a field of the wrong type' },
  invalid_message: { status: 400, message: 'message content does not fit its kind' },
  invalid_query: { status: 400, message: 'search query is empty or too short' },
  unauthorized: { status: 401, message: 'log in first' },
  invalid_credentials: { status: 401, message: 'wrong username or password' },
  token_invalid: { status: 401, message: 'token is unknown or revoked' },
  token_expired: { status: 401, message: 'token has expired' },
  forbidden: { status: 403, message: 'not allowed' },
  registration_closed: { status: 403, message: 'registration is closed on this server' },
  not_member: { status: 403, message: 'not a member of this conversation' },
  admin_required: { status: 403, message: 'only an admin or the owner of the group may do this' },
  owner_required: { status: 403, message: 'only the owner of the group may do this' },
  member_muted: { status: 403, message: 'you are muted in this group' },
  group_muted: { status: 403, message: 'only admins may send while the group is muted' },
  invite_only: { status: 403, message: 'this group can only be joined by invitation' },
  blocked: { status: 403, message: 'this user does not accept your messages or requests' },
  friend_requests_closed: { status: 403, message: 'this user does not accept friend requests' },
  not_author: { status: 403, message: 'only the author may do this to the message' },
  recall_window_passed: { status: 403, message: 'the message is older than the recall window' },
  edit_window_passed: { status: 403, message: 'the message is older than the edit window' },
  user_not_found: { status: 404, message: 'no such user' },
  conversation_not_found: { status: 404, message: 'no such conversation' },
  device_not_found: { status: 404, message: 'no such device' },
  message_not_found: { status: 404, message: 'no such message in this conversation' },
  request_not_found: { status: 404, message: 'no such pending request' },
  already_authenticated: { status: 409, message: 'this connection is already logged in' },
  username_taken: { status: 409, message: 'username is taken' },
  already_member: { status: 409, message: 'already a member of this group' },
  message_recalled: { status: 409, message: 'the message was recalled' },
  not_actionable: { status: 409, message: 'this kind of message cannot be the target of that action' },
  group_full: { status: 409, message: 'the group has reached its member cap' },
  text_too_long: { status: 413, message: 'text is longer than the server allows' },
  request_too_large: { status: 413, message: 'HTTP request body or item count is over the limit' },
  content_too_large: { status: 413, message: 'custom content or metadata is larger than the server allows' },
  rate_limited: { status: 429, message: 'too many requests' },
  internal: { status: 500, message: 'internal error' },
  unavailable: { status: 503, message: 'server is shutting down or its store is unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code, e.g. `'user_not_found'`. */
export type ErrorCode = keyof typeof ERRORS;

/** All error codes, in registry order. */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The `error` member of a failed response frame. */
export interface ErrorBody {
  code: ErrorCode;
  status: number;
  message: string;
}

/** True when `code` is a registered error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** Builds the error body for `code`, with an optional more precise message. */
export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  const e = ERRORS[code];
  return { code, status: e.status, message: message ?? e.message };
}
