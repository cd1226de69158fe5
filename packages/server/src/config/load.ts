import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkValue, fromEnvString } from './check.js';
import { ConfigError } from './error.js';
import { envName, leaves, sections } from './setting.js';

export interface LoadOptions {
  /** Path of a JSON config file. */
  file?: string;
  /** Environment to read WARBLER_* variables from; none when omitted. */
  env?: Record<string, string | undefined>;
  /** Highest-precedence values (command-line flags, tests). */
  overrides?: object;
  /** What errors call the overrides, e.g. 'command-line flags' (default 'overrides'). */
  overridesSource?: string;
  /** Called once per renamed key that was given, after the whole configuration passed its checks. */
  onDeprecated?: (message: string) => void;
}

/** What `loadSettings` gives: the values, and one message per renamed key that was used. */
export interface Loaded {
  values: Record<string, unknown>;
  deprecated: string[];
}

/** A layer of values: key → the value and the name it was given under. */
type Layer = Map<string, { value: unknown; shown: string }>;

/** The keys of one schema, its sections and renamed keys: what `flatten` accepts. */
interface Keys {
  leaves: Map<string, TSchema>;
  sections: Set<string>;
  renamed: Readonly<Record<string, string>>;
}

/** The schema's defaults, as a fresh object. */
export function defaultsOf(schema: TSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of leaves(schema)) setPath(out, key, structuredClone(s.default));
  return out;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Adds the settings of a nested object (a file, the overrides) to `out`; unknown keys are errors. */
function flatten(input: Record<string, unknown>, prefix: string, source: string, keys: Keys, out: Layer, deprecated: Set<string>): void {
  for (const [k, v] of Object.entries(input)) {
    const given = prefix + k;
    const key = keys.renamed[given] ?? given;
    if (keys.leaves.has(key)) {
      const other = out.get(key);
      if (other) throw new ConfigError(`config: ${other.shown} and ${given} are the same setting; give only ${key} (from ${source})`);
      out.set(key, { value: v, shown: given });
      if (key !== given) deprecated.add(`config: ${given} is deprecated; use ${key} (from ${source})`);
    } else if (keys.sections.has(key)) {
      if (!isObject(v))
        throw new ConfigError(`config: ${key} is a section: it must be an object of settings (got ${JSON.stringify(v)} from ${source})`);
      flatten(v, key + '.', source, keys, out, deprecated);
    } else throw new ConfigError(`config: ${given} is not a known setting (from ${source})`);
  }
}

function readFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`config: cannot read ${file}: ${(e as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`config: ${file} must hold a JSON object`);
  return parsed;
}

/**
 * Builds a configuration from `schema`'s defaults, the JSON file, the environment and the overrides
 * (lowest precedence first, key by key), checking every value given against its setting's schema.
 * Throws a ConfigError naming the first bad key; the values pass `Value.Check(schema, …)`.
 * `renamed` maps old keys to their new names (see `aliases.ts`).
 */
export function loadSettings(schema: TSchema, opts: LoadOptions, renamed: Readonly<Record<string, string>> = {}): Loaded {
  const keys: Keys = { leaves: new Map(leaves(schema)), sections: new Set(sections(schema)), renamed };
  const deprecated = new Set<string>();
  const layers: [string, Layer][] = [];
  if (opts.file) {
    const m: Layer = new Map();
    flatten(readFile(opts.file), '', opts.file, keys, m, deprecated);
    layers.push([opts.file, m]);
  }
  if (opts.env) {
    const m: Layer = new Map();
    for (const [key, s] of keys.leaves) {
      const raw = opts.env[envName(key)];
      if (raw !== undefined) m.set(key, { value: fromEnvString(s, raw), shown: key });
    }
    layers.push(['environment', m]);
  }
  if (opts.overrides) {
    const m: Layer = new Map();
    const source = opts.overridesSource ?? 'overrides';
    flatten(opts.overrides as Record<string, unknown>, '', source, keys, m, deprecated);
    layers.push([source, m]);
  }
  const cfg = defaultsOf(schema);
  for (const [source, m] of layers)
    for (const [key, { value, shown }] of m)
      setPath(cfg, key, checkValue(key, keys.leaves.get(key)!, value, source === 'environment' ? envName(key) : source, shown));
  // Every key was checked on its own; this holds by construction and guards the loader itself.
  if (!Value.Check(schema, cfg)) throw new Error(`config: the loaded configuration does not match its schema`);
  return { values: cfg, deprecated: [...deprecated] };
}
