import type { TSchema } from '@sinclair/typebox';
import { enumValues, envName, kindOf, leaves, listOfIps } from './setting.js';

/**
 * docs/config.md's generated parts, rendered from the schema: the settings table and the table of
 * renamed keys. `npm run docs:config` writes them between their markers; config-docs.test.ts fails when
 * the file and the schema disagree.
 */

/** The columns of the settings table. */
export const SETTINGS_HEADER = ['key', 'env', 'type', 'default', 'range', 'meaning'] as const;
export type SettingRow = Record<(typeof SETTINGS_HEADER)[number], string>;

const code = (v: string): string => '`' + v + '`';

/** The type column of a setting. */
export function typeOf(s: TSchema): string {
  const kind = kindOf(s);
  return kind === 'enum' ? 'string' : kind === 'list' ? 'list of strings' : kind;
}

/** The range column: the values a setting takes, `—` when any value of its type does. */
export function rangeOf(s: TSchema): string {
  switch (kindOf(s)) {
    case 'integer':
      return `${s.minimum}–${s.maximum}${s.powerOfTwo ? ', a power of two' : ''}`;
    case 'enum':
      return enumValues(s).map(code).join(', ');
    case 'boolean':
      return '`true`, `false`';
    case 'list':
      return listOfIps(s) ? 'IP addresses' : '—';
    default:
      return '—';
  }
}

/** One row per setting, in schema order, as the table shows it (cells without their backticks where they are code). */
export function settingRows(schema: TSchema): SettingRow[] {
  return leaves(schema).map(([key, s]) => ({
    key,
    env: envName(key),
    type: typeOf(s),
    default: JSON.stringify(s.default),
    range: rangeOf(s),
    meaning: String(s.description),
  }));
}

const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** The settings table, as Markdown. */
export function settingsTable(schema: TSchema): string {
  const rows = settingRows(schema).map((r) => line([code(r.key), code(r.env), r.type, code(r.default), r.range, r.meaning]));
  return [line(SETTINGS_HEADER), line(SETTINGS_HEADER.map(() => '---')), ...rows].join('\n');
}

/** The table of renamed keys, as Markdown. */
export function renamedTable(renamed: Readonly<Record<string, string>>): string {
  const rows = Object.entries(renamed).map(([old, now]) => line([code(old), code(now)]));
  return [line(['old key', 'new key']), line(['---', '---']), ...rows].join('\n');
}

/** The generated blocks of docs/config.md by marker name. */
export function generatedBlocks(schema: TSchema, renamed: Readonly<Record<string, string>>): Record<string, string> {
  return { settings: settingsTable(schema), renamed: renamedTable(renamed) };
}

const begin = (name: string) => `<!-- BEGIN ${name}: generated from packages/server/src/config/ by \`npm run docs:config\`; edit there -->`;
const end = (name: string) => `<!-- END ${name} -->`;

/** The text between the markers of block `name` in `doc`, or undefined when the markers are missing. */
export function blockIn(doc: string, name: string): string | undefined {
  const a = doc.indexOf(begin(name));
  const b = doc.indexOf(end(name));
  if (a < 0 || b < a) return undefined;
  return doc.slice(a + begin(name).length, b).trim();
}

/** `doc` with each generated block replaced; throws when a block's markers are missing. */
export function withBlocks(doc: string, blocks: Record<string, string>): string {
  let out = doc;
  for (const [name, text] of Object.entries(blocks)) {
    const a = out.indexOf(begin(name));
    const b = out.indexOf(end(name));
    if (a < 0 || b < a) throw new Error(`docs/config.md has no ${begin(name)} … ${end(name)} markers`);
    out = `${out.slice(0, a)}${begin(name)}\n\n${text}\n\n${out.slice(b)}`;
  }
  return out;
}
