import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIllFormed, errorBody, illFormedString, mayHoldLoneSurrogate, type ErrorCode } from '@warbler/protocol';
import { WarblerError } from '../errors.js';

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Writes a registry error as `{ "error": { code, status, message } }` with its HTTP status. */
export function sendError(res: ServerResponse, code: ErrorCode, message?: string): void {
  const body = errorBody(code, message);
  sendJson(res, body.status, { error: body });
}

/**
 * Reads a JSON request body of at most `maxBytes`; throws invalid_body (also for a string with a lone
 * surrogate) or request_too_large.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new WarblerError('request_too_large', `body is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
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
