import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from './error.js';
import { enumValues, kindOf, listOfIps } from './setting.js';

/**
 * Checks one value against its setting's schema (TypeBox does the check) and returns it; throws a
 * ConfigError that names the key, what is wrong, the value and its source:
 * `config: server.port must be an integer from 0 to 65535 (got 99999 from WARBLER_SERVER_PORT)`.
 * `shown` is the key as the operator wrote it, when that was a renamed one.
 */
export function checkValue(key: string, s: TSchema, value: unknown, source: string, shown = key): unknown {
  const fail = (what: string): never => {
    const name = shown === key ? key : `${shown} (now ${key})`;
    throw new ConfigError(`config: ${name} ${what} (got ${JSON.stringify(value)} from ${source})`);
  };
  // A plain boolean: Value.Check's type guard would narrow `value` to never below.
  const valid: boolean = Value.Check(s, value);
  if (valid) {
    if (s.powerOfTwo && ((value as number) & ((value as number) - 1)) !== 0) fail('must be a power of two');
    return value;
  }
  switch (kindOf(s)) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a number');
      return fail(`must be an integer from ${s.minimum} to ${s.maximum}`);
    case 'string':
      return fail('must be a string');
    case 'enum':
      if (typeof value !== 'string') fail('must be a string');
      return fail(`must be one of ${enumValues(s).join(', ')}`);
    case 'boolean':
      return fail('must be true or false');
    case 'list': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail('must be a list of strings');
      const bad = (value as string[]).find((v) => !Value.Check(s.items as TSchema, v));
      return fail(listOfIps(s) ? `must be a list of IP addresses (${JSON.stringify(bad)} is not one)` : 'must be a list of strings');
    }
  }
}

/**
 * The value of an environment variable for a setting of schema `s`: numbers as decimal text, lists as
 * comma-separated text, booleans as `true` or `false`, strings as they are. Text that is not what the
 * setting takes is returned as is, so that `checkValue` shows what was typed.
 */
export function fromEnvString(s: TSchema, raw: string): unknown {
  switch (kindOf(s)) {
    case 'list':
      return raw
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    case 'integer': {
      // Not a number: keep the text (JSON would show NaN as null).
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}
