import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { type ErrorBody, type ErrorCode } from './errors.js';
import { LIMITS } from './limits.js';
import { describeIllFormed, illFormedString, isWellFormed, mayHoldLoneSurrogate, type IllFormed } from './well-formed.js';
import { OPS, type EventData, type EventName, type Op, type RequestData, type ResultData } from './schemas.js';

/** A request id chosen by the client: a short string or a safe integer; echoed in the response. */
export type RequestId = string | number;

/** Client → server: `{ "id": 1, "op": "msg.send", "data": { ... } }`. */
export interface RequestFrame<O extends Op = Op> {
  id: RequestId;
  op: O;
  data: RequestData<O>;
}
/** Server → client, success: `{ "id": 1, "ok": true, "data": { ... } }`. */
export interface OkFrame<O extends Op = Op> {
  id: RequestId;
  ok: true;
  data: ResultData<O>;
}
/** Server → client, failure; `id` is null when the request's id could not be read. */
export interface ErrorFrame {
  id: RequestId | null;
  ok: false;
  error: ErrorBody;
}
/** Server → client push: `{ "ev": "msg", "data": { ... } }`. */
export interface EventFrame<E extends EventName = EventName> {
  ev: E;
  data: EventData<E>;
}
export type ServerFrame = OkFrame | ErrorFrame | EventFrame;

/** Outcome of reading one client frame. */
export type ParseResult = { ok: true; frame: RequestFrame } | { ok: false; id: RequestId | null; code: ErrorCode; message?: string };

/**
 * The first reason `value` fails `check`, naming the field from `root`: e.g. `data.text: Expected string`.
 * Shared by frame validation and the HTTP API, so both name fields the same way.
 */
export function describeFailure(check: TypeCheck<TSchema>, value: unknown, root: string): string {
  const first = check.Errors(value).First();
  return `${first ? `${root}${first.path.replaceAll('/', '.')}` : root}: ${first?.message ?? 'invalid'}`;
}

const validators = new Map<string, TypeCheck<TSchema>>();
for (const [op, spec] of Object.entries(OPS)) validators.set(op, TypeCompiler.Compile(spec.data));

function readId(v: unknown): RequestId | undefined {
  if (typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxRequestIdChars) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  return undefined;
}

/** The first member of a frame (its key, or a string at any depth of its value) with a lone surrogate. */
function illFormedMember(f: Record<string, unknown>): IllFormed | undefined {
  for (const [k, v] of Object.entries(f)) {
    if (!isWellFormed(k)) return { path: 'frame', inKey: true };
    const bad = illFormedString(v, k);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * Reads and validates one client text frame with the compiled validators. Every string of the frame
 * (values and object keys, at any depth) must be well-formed UTF-16 (see well-formed.ts).
 * Never throws: a bad frame gives the error to answer with.
 */
export function parseRequest(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, code: 'bad_json' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: null, code: 'invalid_frame', message: 'frame must be a JSON object' };
  }
  const f = raw as Record<string, unknown>;
  const bad = mayHoldLoneSurrogate(text) ? illFormedMember(f) : undefined;
  if (bad?.path === 'id') return { ok: false, id: null, code: 'invalid_frame', message: describeIllFormed(bad) };
  const id = readId(f.id);
  if (id === undefined) {
    return { ok: false, id: null, code: 'invalid_frame', message: 'id must be a non-empty string of at most 64 characters or an integer' };
  }
  if (bad) return { ok: false, id, code: 'invalid_frame', message: describeIllFormed(bad) };
  if (typeof f.op !== 'string') return { ok: false, id, code: 'invalid_frame', message: 'op must be a string' };
  const check = validators.get(f.op);
  // Cut by code points, so the message never ends in half a pair.
  if (!check) return { ok: false, id, code: 'unknown_op', message: `unknown op: ${Array.from(f.op.slice(0, 128)).slice(0, 64).join('')}` };
  const data = f.data === undefined ? {} : f.data;
  if (!check.Check(data)) return { ok: false, id, code: 'invalid_frame', message: describeFailure(check, data, 'data') };
  return { ok: true, frame: { id, op: f.op as Op, data: data as RequestData<Op> } };
}
