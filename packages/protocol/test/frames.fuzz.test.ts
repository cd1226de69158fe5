/** Property-based tests of the frame decoder, `parseRequest`: any text in, a frame or a registered error out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ERRORS, LIMITS, illFormedString, isWellFormed, type ParseResult } from '../src/index.js';
import { OP_NAMES, parseRequest } from '../src/schemas-entry.js';

/** Fixed, so every run checks the same inputs; a failure prints it with the path to replay. */
const SEED = 20261129;
const RUNS = 3000;

/** Requests that are valid, to mutate and to round-trip. */
const VALID = [
  '{"id":1,"op":"ping"}',
  '{"id":"a-7","op":"hello","data":{"protocol":1,"client":"x"}}',
  '{"id":2,"op":"msg.send","data":{"to":2,"clientId":"k3x9-1","text":"hi 😀"}}',
  '{"id":3,"op":"msg.send","data":{"conv":"g:7","clientId":"c","kind":"custom","custom":{"__proto__":{"a":[1,{"b":null}]}}}}',
  '{"id":4,"op":"sync","data":{"cursors":{"d:1:2":5,"constructor":0},"limit":500}}',
  '{"id":5,"op":"msg.react","data":{"conv":"d:1:2","seq":1,"emoji":"toString","on":true,"clientId":"r"}}',
  '{"id":-9007199254740991,"op":"group.create","data":{"name":"树莓派","members":[2,3]}}',
];

const ALLOWED_CODES = new Set(['bad_json', 'invalid_frame', 'unknown_op']);

/** The decoder's contract, for any input text. */
function checkResult(text: string, r: ParseResult): void {
  if (r.ok) {
    assert.ok(OP_NAMES.includes(r.frame.op), `op ${r.frame.op}`);
    const id = r.frame.id;
    assert.ok(
      (typeof id === 'string' && id.length >= 1 && id.length <= LIMITS.maxRequestIdChars) ||
        (typeof id === 'number' && Number.isSafeInteger(id)),
      `id ${String(id)}`,
    );
    assert.equal(illFormedString(r.frame.data, 'data'), undefined, 'an accepted frame has only well-formed strings');
    return;
  }
  assert.ok(ALLOWED_CODES.has(r.code), `code ${r.code} for ${text.slice(0, 200)}`);
  assert.ok(Object.hasOwn(ERRORS, r.code));
  if (r.message !== undefined) assert.ok(isWellFormed(r.message), 'the message can be sent back as it is');
  assert.ok(r.id === null || typeof r.id === 'string' || typeof r.id === 'number');
}

/** `text` edited at a few places: deletions, insertions, replacements, truncation. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('delete', 'insert', 'truncate'),
        fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '\\ud800', '1e999', 'null')),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, piece] of edits) {
      const i = at % (out.length + 1);
      out =
        kind === 'delete'
          ? out.slice(0, i) + out.slice(i + 1)
          : kind === 'insert'
            ? out.slice(0, i) + piece + out.slice(i)
            : out.slice(0, i);
    }
    return out;
  });

/** Frames of the right shape with values of any kind where the id, op and data go. */
const odd = fc
  .record(
    {
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 70 }), fc.double(), fc.jsonValue({ maxDepth: 2 })),
      op: fc.oneof(fc.constantFrom(...OP_NAMES), fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
      data: fc.jsonValue({ maxDepth: 4 }),
    },
    { requiredKeys: [] },
  )
  .map((f) => JSON.stringify(f));

test('the decoder never throws, and answers any text with a valid frame or a registered decoder error', () => {
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 5 }), mutated, odd);
  fc.assert(
    fc.property(anyText, (text) => checkResult(text, parseRequest(text))),
    { seed: SEED, numRuns: RUNS },
  );
});

test('an id the decoder can read is echoed in its error, whatever else is wrong', () => {
  const readable = fc.oneof(
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.string({ minLength: 1, maxLength: 64 }).filter(isWellFormed),
  );
  fc.assert(
    fc.property(
      readable,
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...OP_NAMES)),
      fc.jsonValue({ maxDepth: 3 }),
      (id, op, data) => {
        const r = parseRequest(JSON.stringify({ id, op, data }));
        if (r.ok) assert.equal(r.frame.id, id);
        else assert.equal(r.id, id);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('valid frames are read back exactly; nesting thousands of levels deep neither throws nor overflows', () => {
  for (const text of VALID) {
    const r = parseRequest(text);
    assert.ok(r.ok, text);
    const raw = JSON.parse(text) as { id: unknown; op: string; data?: unknown };
    assert.deepEqual([r.frame.id, r.frame.op, r.frame.data], [raw.id, raw.op, raw.data ?? {}]);
  }
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30_000 }), fc.boolean(), fc.constantFrom('data', 'id', 'extra'), (depth, object, where) => {
      const deep = object ? `${'{"a":'.repeat(depth)}"\\ud800"${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
      const text = `{"id":1,"op":"msg.send","${where}":${deep}}`;
      checkResult(text, parseRequest(text));
    }),
    { seed: SEED, numRuns: 50 },
  );
});
