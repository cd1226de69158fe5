import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { ERROR_CODES, errorBody, type ErrorBody, type ErrorCode } from '@warbler/protocol';
import type { FastifyReply } from 'fastify';
import { WarblerError } from './errors.js';

/** The one body of every HTTP error, on every route and listener: `{ "error": { code, status, message } }`. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(
        ERROR_CODES.map((c) => Type.Literal(c)),
        { description: 'A code of the error registry (docs/protocol.md#error-codes); branch on it.' },
      ),
      status: Type.Integer({ description: 'The HTTP status, the same as the response’s.' }),
      message: Type.String({ description: 'For humans and logs; may name the offending field.' }),
    }),
  },
  { title: 'Error' },
);

/** Fastify's own refusals, by their code: what the client is told instead. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_BAD_URL: 'invalid_parameter',
};

/** For an error of another library that carries only an HTTP status. */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_body',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * The registry body for anything a route, a hook or Fastify threw: a WarblerError as it is, Fastify's
 * refusals (body too large, bad URL, …) as their registry code, anything else `internal` (`bug` is then
 * true: the caller logs it; its message is never shown to the client).
 */
export function errorFor(err: unknown, bodyLimit: number): { body: ErrorBody; bug: boolean } {
  if (err instanceof WarblerError) return { body: errorBody(err.code, err.detail), bug: false };
  const e = err as { code?: unknown; statusCode?: unknown };
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known === 'request_too_large') return { body: errorBody(known, `body is over ${bodyLimit} bytes`), bug: false };
  if (known) return { body: errorBody(known, (err as Error).message), bug: false };
  const byStatus = typeof e.statusCode === 'number' && e.statusCode < 500 ? BY_STATUS[e.statusCode] : undefined;
  if (byStatus) return { body: errorBody(byStatus), bug: false };
  return { body: errorBody('internal'), bug: true };
}

/** Answers `body` with its status. */
export function sendErrorBody(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(body.status).header('content-type', 'application/json; charset=utf-8').send({ error: body });
}

/**
 * Node's HTTP parser refused the request (malformed, headers too large) before any route saw it: the
 * same body, then the connection closes. A connection already gone (reset, timed out) is just dropped.
 */
export function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const parse = typeof err.code === 'string' && err.code.startsWith('HPE_');
  if (!parse || !socket.writable) return void socket.destroy();
  const body =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? errorBody('request_too_large', 'the request headers are over the limit')
      : errorBody('invalid_body', 'the request is not valid HTTP/1.1');
  const text = JSON.stringify({ error: body });
  socket.end(
    `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
