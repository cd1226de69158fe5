/**
 * The one rule for strings in frames and API bodies: every string, and every object key, must be
 * well-formed UTF-16, i.e. have no lone surrogate (a `\uD800`–`\uDFFF` half without its partner). The
 * server stores text as UTF-8, which cannot hold a lone surrogate: it would come back changed (as
 * U+FFFD) from storage while an ack or a push echoed it unchanged.
 */

/** With the `u` flag a surrogate pair is one code point, so only a half that is alone matches. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Raw JSON text that may decode to a lone surrogate: it has a `\uD8xx`–`\uDFxx` escape. A text frame
 * is valid UTF-8, so a lone surrogate can only come from such an escape; text without one is skipped.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** True when `s` has no lone surrogate. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** True when JSON text may decode to a string with a lone surrogate (a cheap test before `illFormedString`). */
export function mayHoldLoneSurrogate(json: string): boolean {
  return SURROGATE_ESCAPE.test(json);
}

/** Where a lone surrogate was found: the field's path from the root, and whether it is in an object key. */
export interface IllFormed {
  /** e.g. `data.custom.items.3.name`; for a key, the path of its object. */
  path: string;
  inKey: boolean;
}

/**
 * The first string or object key in `value` (a JSON value) with a lone surrogate, depth first, or
 * undefined. Walks with its own stack: a deeply nested value cannot overflow the call stack.
 */
export function illFormedString(value: unknown, root: string): IllFormed | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return { path, inKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}.${i}`]);
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (const k of keys) if (!isWellFormed(k)) return { path, inKey: true };
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]!], `${path}.${keys[i]}`]);
    }
  }
  return undefined;
}

/** The error message for `bad`, naming the field: `data.text: has a lone UTF-16 surrogate; …`. */
export function describeIllFormed(bad: IllFormed): string {
  const what = bad.inKey ? 'an object key has' : 'has';
  return `${bad.path}: ${what} a lone UTF-16 surrogate; every string must be well-formed UTF-16 (surrogates only in pairs)`;
}
