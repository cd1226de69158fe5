/** The id of the one-to-one conversation between two users: `d:<lower id>:<higher id>`. */
export function directConvId(a: number, b: number): string {
  return a <= b ? `d:${a}:${b}` : `d:${b}:${a}`;
}

/** The two user ids of a one-to-one conversation id, or undefined when `conv` is not one. */
export function parseDirectConvId(conv: string): [number, number] | undefined {
  const m = /^d:([1-9][0-9]{0,15}):([1-9][0-9]{0,15})$/.exec(conv);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a > b) return undefined;
  return [a, b];
}
