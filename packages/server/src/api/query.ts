import { Type, type TInteger, type TObject, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { WarblerError } from '../errors.js';

/** Whole milliseconds since the epoch, or an ISO 8601 date (`2026-01-31`) or time (`2026-01-31T08:00:00Z`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A query parameter that is a time; the handler gets milliseconds since the epoch. */
export function TimeParam(description: string): TUnsafe<number> {
  return Type.Unsafe<number>({
    type: 'string',
    pattern: '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(T.*)?)$',
    description: `${description}: milliseconds since the epoch, or an ISO 8601 date or time`,
    'x-warbler-time': true,
  });
}

/** A query parameter that is an integer from `minimum` to `maximum`. */
export function IntParam(minimum: number, maximum: number, description: string): TInteger {
  return Type.Integer({ minimum, maximum, description });
}

type Raw = Record<string, string | string[] | undefined>;

/**
 * The validator of a route's query string, from its schema, strict: a name the schema does not have,
 * or one given twice, is `invalid_parameter` (a typo must not silently widen a query), and so is a
 * malformed or out-of-range value (the message names it). Integers and times come out as numbers.
 */
export function queryValidator(schema: TObject): (query: Raw | null) => { value: Record<string, unknown> } | { error: Error } {
  const allowed = Object.keys(schema.properties);
  return (query) => {
    try {
      const out: Record<string, unknown> = {};
      for (const [name, raw] of Object.entries(query ?? {})) {
        if (!allowed.includes(name))
          throw new WarblerError(
            'invalid_parameter',
            `unknown parameter ${JSON.stringify(name)}${allowed.length ? `; use ${allowed.join(', ')}` : ''}`,
          );
        if (typeof raw !== 'string') throw new WarblerError('invalid_parameter', `parameter ${name} is given twice`);
        out[name] = readValue(name, raw, schema.properties[name]!);
      }
      return { value: out };
    } catch (e) {
      return { error: e as Error };
    }
  };
}

function readValue(name: string, v: string, s: TSchema): unknown {
  if (s.type === 'integer')
    return int(name, v, (s.minimum as number | undefined) ?? 0, (s.maximum as number | undefined) ?? Number.MAX_SAFE_INTEGER);
  if (s['x-warbler-time'] === true) return time(name, v);
  return v;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || n < min || n > max)
    throw new WarblerError('invalid_parameter', `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return n;
}

function time(name: string, v: string): number {
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : ISO_TIME.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw new WarblerError(
      'invalid_parameter',
      `${name} must be milliseconds since the epoch or an ISO 8601 date (got ${JSON.stringify(v)})`,
    );
  return ms;
}
