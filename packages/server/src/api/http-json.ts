import type { IncomingMessage } from 'node:http';
import { describeIllFormed, illFormedString, mayHoldLoneSurrogate } from '@warbler/protocol';
import { WarblerError } from '../errors.js';

/**
 * Parses a JSON request body (whatever its content type: scripts send JSON as text/plain or form data
 * too); throws invalid_body when it is not JSON or has a string with a lone surrogate.
 */
export function parseJson(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WarblerError('invalid_body', 'body is not valid JSON');
  }
  // The frames' rule for strings holds for API bodies too: well-formed UTF-16 only.
  const bad = mayHoldLoneSurrogate(text) ? illFormedString(body, 'body') : undefined;
  if (bad) throw new WarblerError('invalid_body', describeIllFormed(bad));
  return body;
}

/** The credential of an `Authorization: Bearer <key>` header; throws `unauthorized` when absent. */
export function bearerToken(req: IncomingMessage): string {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new WarblerError('unauthorized', 'send Authorization: Bearer <API key> (create one with `warbler apikey create`)');
  return m[1]!;
}
