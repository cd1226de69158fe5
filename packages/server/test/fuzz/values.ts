/** Field values the fuzzer tries: the ones that broke servers before, and random ones of every JSON type. */
import fc from 'fast-check';

/** Names a lookup in a plain object finds something for. */
export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
] as const;

const NASTY_STRINGS = [
  '',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u0007',
  '\u200b',
  '\u202e',
  '\ufeff',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '%s%n%x',
  '${x}',
  "' OR 1=1 --",
  '"',
  '\\',
  '*',
  '?',
  '[',
  '%',
  '_',
  'NEAR AND OR',
  'd:1:2',
  'd:2:1',
  'd:1:1',
  'g:1',
  'u:1',
  '\ud800',
  'a\udfff',
  '\udbff\udbff',
  '😀',
  '👨‍👩‍👧‍👦',
  'e\u0301',
  '中文',
  'ﾃｽﾄ',
  ...PROTOTYPE_NAMES,
];

const NASTY_NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  0.5,
  -0.5,
  1e-300,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
];

/** A string with one surrogate half alone somewhere in it. */
const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 4 }))
  .map(([a, c, b]) => a + String.fromCharCode(c) + b);

/** Strings that are odd in some way: empty, control characters, prototype names, lone surrogates, very long. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: loneSurrogate, weight: 2 },
  { arbitrary: fc.integer({ min: 30, max: 70_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Numbers at and past the edges: huge, negative, fractional, unsafe integers. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_NUMBERS), weight: 4 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

/**
 * An array or object nested `depth` levels deep, which JSON parses but recursive code may overflow on.
 * Generated as a marker, written out by `serializeFrame` as text: the fuzzer itself never holds (or
 * recursively prints) the deep value.
 */
export interface Deep {
  $deep: number;
  object: boolean;
}
export const deepValue: fc.Arbitrary<Deep> = fc.record({
  $deep: fc.oneof(fc.integer({ min: 20, max: 200 }), fc.integer({ min: 1000, max: 12_000 })),
  object: fc.boolean(),
});

const DEEP_TOKEN = '\\u0001deep:';
/** JSON text of `frame`, with every Deep marker in it written out as its nested value. */
export function serializeFrame(frame: unknown): string {
  const text = JSON.stringify(frame, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as Deep).$deep === 'number'
      ? `\u0001deep:${(v as Deep).$deep}:${(v as Deep).object}`
      : v,
  );
  if (!text.includes(DEEP_TOKEN)) return text;
  return text.replace(/"\\u0001deep:(\d+):(true|false)"/g, (_m, d: string, o: string) => {
    const n = Number(d);
    return o === 'true' ? `${'{"a":'.repeat(n)}{}${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`;
  });
}

/** An object whose keys are prototype names (built with own properties, so `__proto__` stays a key). */
export const prototypeKeyed: fc.Arbitrary<Record<string, unknown>> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES), fc.jsonValue({ maxDepth: 1 })), { selector: ([k]) => k, maxLength: 4 })
  .map((entries) => Object.fromEntries(entries));

/** A value of any JSON type, often of the wrong type for the field it goes in. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: nastyString, weight: 3 },
  { arbitrary: nastyNumber, weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false, {}, []), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: prototypeKeyed, weight: 1 },
  { arbitrary: deepValue, weight: 1 },
);
