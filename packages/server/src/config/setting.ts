import { isIP } from 'node:net';
import {
  FormatRegistry,
  Kind,
  Type,
  type TArray,
  type TBoolean,
  type TInteger,
  type TLiteral,
  type TSchema,
  type TString,
  type TUnion,
} from '@sinclair/typebox';

/**
 * The building blocks of the settings schema (`schema.ts`): one TypeBox schema per key, carrying its
 * type, default, range and description. The loader (`check.ts`) validates with them and the docs table
 * (`docs-table.ts`) is rendered from them, so a key's rules are written once.
 */

FormatRegistry.Set('ip', (v) => isIP(v) !== 0);

/** An integer setting from `min` to `max`; `powerOfTwo` adds that rule (not a JSON Schema keyword: checked by `check.ts`). */
export function int(def: number, min: number, max: number, description: string, opts: { powerOfTwo?: boolean } = {}): TInteger {
  return Type.Integer({ default: def, minimum: min, maximum: max, description, ...opts });
}

/** A free-form string setting. */
export function str(def: string, description: string): TString {
  return Type.String({ default: def, description });
}

/** A string setting that takes one of `values`. */
export function oneOf<const V extends string>(def: NoInfer<V>, values: readonly V[], description: string): TUnion<TLiteral<V>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: def, description },
  );
}

/** A true/false setting. */
export function bool(def: boolean, description: string): TBoolean {
  return Type.Boolean({ default: def, description });
}

/** A list of strings; `ips` requires each to be an IP address. */
export function list(description: string, opts: { ips?: boolean } = {}): TArray<TString> {
  return Type.Array(opts.ips ? Type.String({ format: 'ip' }) : Type.String(), { default: [], description });
}

/** A section: settings grouped under one name (`gateway`, `store.sqlite`). Unknown keys are refused. */
export const section = <P extends Record<string, TSchema>>(properties: P) => Type.Object(properties, { additionalProperties: false });

/** The kinds of setting the loader and the docs know. */
export type SettingKind = 'integer' | 'string' | 'enum' | 'boolean' | 'list';

export function kindOf(s: TSchema): SettingKind {
  switch (s[Kind]) {
    case 'Integer':
      return 'integer';
    case 'String':
      return 'string';
    case 'Union':
    case 'Literal': // a union of one value
      return 'enum';
    case 'Boolean':
      return 'boolean';
    case 'Array':
      return 'list';
    default:
      throw new Error(`settings schema: unsupported kind ${String(s[Kind])}`);
  }
}

/** True for a section (an object of settings), false for a setting. */
export const isSection = (s: TSchema): boolean => s[Kind] === 'Object';

/** The values an enum setting takes. */
export const enumValues = (s: TSchema): string[] => ((s.anyOf ?? [s]) as { const: string }[]).map((l) => l.const);

/** Whether a list setting takes IP addresses only. */
export const listOfIps = (s: TSchema): boolean => (s.items as TSchema).format === 'ip';

/** Every setting of `schema` with its key path, in schema order: `[['server.port', schema], …]`. */
export function leaves(schema: TSchema, prefix = ''): [string, TSchema][] {
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) =>
    isSection(s) ? leaves(s, `${prefix}${k}.`) : [[`${prefix}${k}`, s] as [string, TSchema]],
  );
}

/** The sections of `schema` with their key paths, e.g. `store`, `store.sqlite`. */
export function sections(schema: TSchema, prefix = ''): string[] {
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) =>
    isSection(s) ? [`${prefix}${k}`, ...sections(s, `${prefix}${k}.`)] : [],
  );
}

/** `gateway.maxFrameBytes` → `WARBLER_GATEWAY_MAX_FRAME_BYTES`. */
export function envName(key: string): string {
  return (
    'WARBLER_' +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}
