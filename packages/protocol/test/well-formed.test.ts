import assert from 'node:assert/strict';
import { test } from 'node:test';
import { illFormedString, isWellFormed, type ParseResult } from '../src/index.js';
import { parseRequest } from '../src/schemas-entry.js';

const refusal = (r: ParseResult): { id: unknown; code: string; message: string | undefined } => {
  assert.equal(r.ok, false, 'refused');
  return r.ok ? { id: undefined, code: '', message: undefined } : { id: r.id, code: r.code, message: r.message };
};

test('parseRequest refuses a lone surrogate in any string or key of a frame, naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c\\ud800","text":"x"}}', 1, 'data.clientId: has'],
    ['{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c","text":"\\uDFFF"}}', 1, 'data.text: has'],
    [
      '{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c","kind":"custom","custom":{"a":[0,{"b":"\\udbff"}]}}}',
      1,
      'data.custom.a.1.b: has',
    ],
    ['{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c","kind":"custom","custom":{"\\ud800":1}}}', 1, 'data.custom: an object key has'],
    ['{"id":"r","op":"sync","data":{"cursors":{"d:1:2\\udc00":0}}}', 'r', 'data.cursors: an object key has'],
    ['{"id":"r","op":"ping","extra":{"note":"\\ud83d"}}', 'r', 'extra.note: has'],
    ['{"id":"r","op":"ping","\\ud800":1}', 'r', 'frame: an object key has'],
    ['{"id":"r","op":"ping\\ud800"}', 'r', 'op: has'],
    ['{"id":"\\ud800","op":"ping"}', null, 'id: has'],
  ];
  for (const [text, id, message] of cases) {
    const r = refusal(parseRequest(text));
    assert.deepEqual([r.id, r.code], [id, 'invalid_frame'], text);
    assert.ok(r.message?.startsWith(message), `${text}: ${r.message}`);
    assert.match(r.message!, /lone UTF-16 surrogate/);
    assert.ok(isWellFormed(r.message!), 'the message itself is well-formed');
  }
});

test('parseRequest accepts pairs, escaped backslashes and characters beside the surrogate range', () => {
  for (const text of [
    '{"id":1,"op":"msg.send","data":{"to":2,"clientId":"\\ud83d\\ude00","text":"😀 \\uD83D\\uDE00 𠀀"}}',
    // A literal backslash followed by "ud800": no escape of a surrogate.
    '{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c","text":"\\\\ud800"}}',
    '{"id":1,"op":"msg.send","data":{"to":2,"clientId":"c","text":"\\ud7ff\\ue000\\uffff"}}',
  ]) {
    const r = parseRequest(text);
    assert.equal(r.ok, true, `${text}: ${JSON.stringify(r)}`);
  }
});

test('a deeply nested value is walked without overflowing the stack', () => {
  const depth = 200_000;
  const deep = `${'['.repeat(depth)}"\\ud800"${']'.repeat(depth)}`;
  const r = refusal(parseRequest(`{"id":1,"op":"ping","data":{"x":${deep}}}`));
  assert.equal(r.code, 'invalid_frame');
  assert.ok(r.message!.startsWith('data.x.0.0.0.'));
  assert.equal(illFormedString(JSON.parse(`${'['.repeat(depth)}"ok"${']'.repeat(depth)}`), 'v'), undefined);
});

test('an unknown op is echoed cut by code points, never leaving half a pair', () => {
  const op = '😀'.repeat(40);
  const r = refusal(parseRequest(JSON.stringify({ id: 1, op })));
  assert.equal(r.code, 'unknown_op');
  assert.ok(isWellFormed(r.message!));
  assert.equal(r.message, `unknown op: ${'😀'.repeat(40)}`);
});
