/**
 * What the fuzzer sends: commands generated from the protocol's own frame schemas (so every op and field
 * is covered and a new op is fuzzed without touching this file), with values that name the live state
 * (users, conversations, sequences, client ids) by reference, resolved when the command runs.
 */
import fc from 'fast-check';
import { Kind, type TSchema } from '@sinclair/typebox';
import { type Op } from '@warbler/protocol';
import { OP_NAMES, OPS } from '@warbler/protocol/schemas';
import { PROTOTYPE_NAMES, deepValue, nastyNumber, nastyString, prototypeKeyed, wrongValue } from './values.js';

/** What a reference names; resolved against the server's state when the command runs (harness.ts). */
export type RefKind = 'user' | 'conv' | 'group' | 'seq' | 'clientId' | 'device' | 'username' | 'token' | 'emoji';
/** A value to fill in at run time: the `i`-th of the candidates of its kind (modulo their number). */
export interface Ref {
  $ref: RefKind;
  i: number;
}
/** `sync` cursors: conversation → sequence pairs, both references. */
export interface CursorsRef {
  $cursors: [Ref, Ref][];
}

/** One step of a fuzz run, on connection `conn` (modulo the number of connections). */
export type Command =
  /** A request frame of `op`, its data generated from the op's schema. */
  | { t: 'op'; conn: number; op: Op; data: unknown }
  /** Several request frames sent at once on several connections, without waiting: they share write batches. */
  | { t: 'burst'; conn: number; frames: { conn: number; op: Op; data: unknown }[] }
  /** A request frame, serialized, then edited character by character (most results are not JSON, or not a frame). */
  | { t: 'mutate'; conn: number; op: Op; data: unknown; edits: Edit[] }
  /** Any text: JSON values that are not frames, frames with odd ids, random characters. */
  | { t: 'text'; conn: number; text: string }
  /** Raw bytes as a text frame (often not UTF-8) or as a binary frame. */
  | { t: 'bytes'; conn: number; bytes: number[]; binary: boolean }
  /** The client closes the connection and opens a new one for the same user. */
  | { t: 'reconnect'; conn: number };

export interface Edit {
  at: number;
  kind: 'delete' | 'insert' | 'replace' | 'truncate';
  text: string;
}

const ref = (kind: RefKind): fc.Arbitrary<Ref> => fc.record({ $ref: fc.constant(kind), i: fc.nat(1000) });

/** Fields whose value names something of the server's state. */
const REF_FIELDS = new Map<string, RefKind>([
  ['to', 'user'],
  ['user', 'user'],
  ['users', 'user'],
  ['members', 'user'],
  ['mentions', 'user'],
  ['from', 'user'],
  ['after', 'user'],
  ['conv', 'conv'],
  ['toConv', 'conv'],
  ['seq', 'seq'],
  ['seqs', 'seq'],
  ['replyTo', 'seq'],
  ['clientId', 'clientId'],
  ['deviceId', 'device'],
  ['username', 'username'],
  ['token', 'token'],
  ['emoji', 'emoji'],
]);

/** Absent from the object (an optional member left out, or a required one dropped). */
const ABSENT = Symbol('absent');

/**
 * How a template is made: `valid` keeps to the schema (types, lengths, ranges) so requests get past
 * validation into the services, with odd but allowed values; `wild` puts any value anywhere.
 */
type Mode = 'valid' | 'wild';

/** Strings that are allowed but odd: prototype names, emoji, other scripts, escapes. */
const oddButValid = fc.constantFrom(...PROTOTYPE_NAMES, '😀', '👨‍👩‍👧‍👦', '中文 树莓派', 'e\u0301', '%_*?[', '"\'\\', 'NaN', ' x ');

/** A template for a value of `schema` in field `field`. */
function value(schema: TSchema, field: string | undefined, mode: Mode): fc.Arbitrary<unknown> {
  if (mode === 'valid') return typed(schema, field, mode);
  return fc.oneof({ arbitrary: typed(schema, field, mode), weight: 8 }, { arbitrary: wrongValue, weight: 1 });
}

function typed(schema: TSchema, field: string | undefined, mode: Mode): fc.Arbitrary<unknown> {
  const s = schema as TSchema & Record<string | symbol, unknown>;
  const kind = s[Kind];
  let r = field === undefined ? undefined : REF_FIELDS.get(field);
  if (r === 'conv' && typeof s.pattern === 'string' && s.pattern.startsWith('^g:')) r = 'group';
  if (r && (kind === 'Integer' || kind === 'String'))
    return fc.oneof({ arbitrary: ref(r), weight: 6 }, { arbitrary: plain(s, field, mode), weight: 1 });
  if (field === 'cursors') return fc.array(fc.tuple(ref('conv'), ref('seq')), { maxLength: 4 }).map(($cursors) => ({ $cursors }));
  return plain(s, field, mode);
}

function plain(s: TSchema & Record<string | symbol, unknown>, field: string | undefined, mode: Mode): fc.Arbitrary<unknown> {
  switch (s[Kind]) {
    case 'Object': {
      const props = (s.properties ?? {}) as Record<string, TSchema>;
      const required = new Set((s.required ?? []) as string[]);
      // Present: a required member always in a valid frame (1 in 30 dropped in a wild one), an optional
      // one in 3 of 10 valid frames (so that their combinations stay mostly acceptable), half the wild ones.
      const presence = (k: string): [number, number] =>
        required.has(k) ? (mode === 'valid' ? [1, 0] : [29, 1]) : mode === 'valid' ? [3, 7] : [1, 1];
      const members = Object.entries(props).map(([k, v]) => {
        const [present, absent] = presence(k);
        const member = value(v, k, mode).map((x) => [k, x] as const);
        return absent === 0 ? member : fc.oneof({ arbitrary: member, weight: present }, { arbitrary: fc.constant(ABSENT), weight: absent });
      });
      // In wild frames, now and then a member the op does not know (ignored by the server), with an odd value.
      const extra =
        mode === 'valid'
          ? fc.constant(ABSENT)
          : fc.option(fc.tuple(fc.oneof(nastyString, fc.constant('extra')), wrongValue), { nil: ABSENT, freq: 8 });
      return fc
        .tuple(fc.tuple(...members), extra)
        .map(([ms, x]) => Object.fromEntries([...ms, x].filter((e): e is readonly [string, unknown] => e !== ABSENT)));
    }
    case 'String': {
      const max = typeof s.maxLength === 'number' ? s.maxLength : 4000;
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      const fits = (x: string) => x.length >= min && x.length <= max;
      if (mode === 'wild')
        return fc.oneof(
          { arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 40) }), weight: 3 },
          { arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) }), weight: 2 },
          { arbitrary: nastyString, weight: 2 },
        );
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
      return fc.oneof(
        { arbitrary: fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(Math.min(max, 24), min) }), weight: 4 },
        { arbitrary: fc.string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: Math.max(Math.min(max, 12), min) }), weight: 2 },
        { arbitrary: oddButValid.filter(fits), weight: 2 },
        { arbitrary: fc.constant('x'.repeat(max)), weight: max <= 5000 ? 1 : 0 },
      );
    }
    case 'Integer': {
      const lo = typeof s.minimum === 'number' ? s.minimum : -3;
      const hi = typeof s.maximum === 'number' ? s.maximum : lo + 6;
      if (mode === 'valid') return fc.oneof(fc.integer({ min: lo, max: Math.min(hi, lo + 6) }), fc.constantFrom(lo, hi));
      return fc.oneof({ arbitrary: fc.integer({ min: lo, max: lo + 6 }), weight: 4 }, { arbitrary: nastyNumber, weight: 1 });
    }
    case 'Number': {
      const lo = typeof s.minimum === 'number' ? s.minimum : -1e6;
      const hi = typeof s.maximum === 'number' ? s.maximum : 1e6;
      return mode === 'valid'
        ? fc.double({ min: lo, max: hi, noNaN: true })
        : fc.oneof(fc.double({ min: lo, max: hi, noNaN: true }), nastyNumber);
    }
    case 'Boolean':
      return fc.boolean();
    case 'Literal':
      return fc.constant(s.const);
    case 'Union':
      return fc.oneof(...(s.anyOf as TSchema[]).map((x) => plain(x as TSchema & Record<string | symbol, unknown>, field, mode)));
    case 'Array': {
      const max = typeof s.maxItems === 'number' ? Math.min(s.maxItems, 5) : 5;
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      return fc.array(value(s.items as TSchema, field, mode), { minLength: mode === 'valid' ? min : 0, maxLength: Math.max(max, min) });
    }
    case 'Record': {
      const [valueSchema] = Object.values(s.patternProperties as Record<string, TSchema>);
      return fc.array(fc.tuple(nastyString, value(valueSchema!, undefined, mode)), { maxLength: 3 }).map((e) => Object.fromEntries(e));
    }
    case 'Unknown':
      return fc.oneof(fc.jsonValue({ maxDepth: 4 }), prototypeKeyed, deepValue);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Members of which a request must give exactly one: a valid frame keeps one of them. */
const ONE_OF = new Map<string, readonly [string, string]>([
  ['msg.send', ['to', 'conv']],
  ['msg.forward', ['to', 'toConv']],
]);

/** Ops that end connections are rarer; sending and the message actions, the heart of the server, common. */
const RARE: readonly string[] = ['auth.logout', 'device.revoke', 'account.password', 'hello', 'auth.refresh'];
const OFTEN = new Map<string, number>([
  ['msg.send', 40],
  ['msg.edit', 10],
  ['msg.recall', 10],
  ['msg.react', 12],
  ['msg.forward', 6],
  ['sync', 6],
  ['msg.history', 6],
]);
const weight = (op: string): number => OFTEN.get(op) ?? (RARE.includes(op) ? 1 : 3);

const sendProps = (OPS['msg.send'].data as unknown as { properties: Record<string, TSchema> }).properties;
/** The content of a valid `msg.send`, by kind: only the fields that kind takes, so most get stored. */
const validContent: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ text: value(sendProps.text!, 'text', 'valid') }),
  fc.record({ kind: fc.constant('text'), text: value(sendProps.text!, 'text', 'valid') }),
  fc.record(
    {
      kind: fc.constantFrom('image', 'file', 'audio', 'video'),
      media: value(sendProps.media!, 'media', 'valid'),
      text: value(sendProps.text!, 'text', 'valid'),
    },
    { requiredKeys: ['kind', 'media'] },
  ),
  fc.record({ kind: fc.constant('location'), location: value(sendProps.location!, 'location', 'valid') }),
  fc.record({ kind: fc.constant('custom'), custom: value(sendProps.custom!, 'custom', 'valid') }),
);
/** A valid `msg.send`: its addressing, clientId, reply and mentions from the schema, its content by kind. */
const validSend = fc.tuple(value(OPS['msg.send'].data as TSchema, undefined, 'valid'), validContent).map(([data, content]) => {
  const d = { ...(data as Record<string, unknown>) };
  for (const k of ['kind', 'text', 'media', 'location', 'custom']) delete d[k];
  return { ...d, ...content };
});

function frames(mode: Mode): fc.Arbitrary<{ op: Op; data: unknown }> {
  return fc.oneof(
    ...OP_NAMES.map((op) => ({
      arbitrary: fc
        .tuple(op === 'msg.send' && mode === 'valid' ? validSend : value(OPS[op].data as TSchema, undefined, mode), fc.boolean())
        .map(([data, first]) => {
          const pair = ONE_OF.get(op);
          if (mode === 'valid' && pair && typeof data === 'object' && data !== null) {
            const d = { ...(data as Record<string, unknown>) };
            if ((d[pair[0]] === undefined) === (d[pair[1]] === undefined)) {
              delete d[pair[first ? 0 : 1]];
              d[pair[first ? 1 : 0]] ??= { $ref: first ? 'conv' : 'user', i: 0 };
            }
            return { op, data: d };
          }
          return { op, data };
        }),
      weight: weight(op),
    })),
  );
}

/** A request: an op and a template of its data, mostly valid, sometimes wild. */
export const frame: fc.Arbitrary<{ op: Op; data: unknown }> = fc.oneof(
  { arbitrary: frames('valid'), weight: 3 },
  { arbitrary: frames('wild'), weight: 1 },
);

const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(400),
  kind: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
  text: fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '\\ud800', '1e999', 'null')),
});

/** Text that is rarely a request: JSON of any shape, frames with odd ids or ops, random characters. */
const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.record({ id: wrongValue, op: fc.oneof(fc.constantFrom(...OP_NAMES), nastyString), data: wrongValue }).map((f) => JSON.stringify(f)),
  fc.constantFrom('', '{}', '[]', 'null', '{"id":1}', '{"id":1,"op":"ping","data":null}', '{"id":1,"op":"ping","data":[]}', '{"id":NaN}'),
);

/** Which connection: mostly the users' (0–3), sometimes the anonymous ones (4: after hello, 5: before). */
const conn = fc.oneof({ arbitrary: fc.nat(3), weight: 8 }, { arbitrary: fc.constantFrom(4, 5), weight: 1 });

/** One fuzz step. */
export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc
      .record({ t: fc.constant('op' as const), conn, op: fc.constant('ping' as Op), data: fc.constant({}) })
      .chain((c) => frame.map((f) => ({ ...c, ...f }))),
    weight: 20,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('burst' as const),
      conn,
      frames: fc.array(
        fc.tuple(conn, frame).map(([c, f]) => ({ conn: c, ...f })),
        { minLength: 2, maxLength: 12 },
      ),
    }),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ t: fc.constant('mutate' as const), conn, edits: fc.array(edit, { minLength: 1, maxLength: 3 }) })
      .chain((c) => frame.map((f) => ({ ...c, ...f }))),
    weight: 3,
  },
  { arbitrary: fc.record({ t: fc.constant('text' as const), conn, text: oddText }), weight: 2 },
  {
    arbitrary: fc.record({ t: fc.constant('bytes' as const), conn, bytes: fc.array(fc.nat(255), { maxLength: 24 }), binary: fc.boolean() }),
    weight: 1,
  },
  { arbitrary: fc.record({ t: fc.constant('reconnect' as const), conn }), weight: 1 },
);
