import { WarblerError } from '../errors.js';

/** Whole milliseconds since the epoch, or an ISO 8601 date (`2026-01-31`) or time (`2026-01-31T08:00:00Z`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The query parameters of an admin request, checked strictly: a name not in `allowed` or given twice
 * is `invalid_parameter` (a typo must not silently widen a query).
 */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(search: URLSearchParams, allowed: readonly string[]) {
    for (const [name, value] of search) {
      if (!allowed.includes(name))
        throw new WarblerError(
          'invalid_parameter',
          `unknown parameter ${JSON.stringify(name)}${allowed.length ? `; use ${allowed.join(', ')}` : ''}`,
        );
      if (this.values.has(name)) throw new WarblerError('invalid_parameter', `parameter ${name} is given twice`);
      this.values.set(name, value);
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  /** An integer from `min` to `max`, or undefined when absent. */
  int(name: string, min: number, max: number): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d{1,16}$/.test(v) || n < min || n > max)
      throw new WarblerError('invalid_parameter', `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
    return n;
  }

  /** A time: milliseconds since the epoch, or an ISO 8601 date or time; undefined when absent. */
  time(name: string): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : ISO_TIME.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms))
      throw new WarblerError(
        'invalid_parameter',
        `${name} must be milliseconds since the epoch or an ISO 8601 date (got ${JSON.stringify(v)})`,
      );
    return ms;
  }
}
