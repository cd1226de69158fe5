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

/** The id of a group's conversation: `g:<group id>`. */
export function groupConvId(groupId: number): string {
  return `g:${groupId}`;
}

/** The group id of a group conversation id, or undefined when `conv` is not one. */
export function parseGroupConvId(conv: string): number | undefined {
  const m = /^g:([1-9][0-9]{0,15})$/.exec(conv);
  const id = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The id of a user's own account log: `u:<user id>`. */
export function selfConvId(userId: number): string {
  return `u:${userId}`;
}

/** The user id of an account log id, or undefined when `conv` is not one. */
export function parseSelfConvId(conv: string): number | undefined {
  const m = /^u:([1-9][0-9]{0,15})$/.exec(conv);
  const id = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(id) ? id : undefined;
}

/** What kind of conversation an id names, or undefined when it is not a conversation id. */
export function convKind(conv: string): 'direct' | 'group' | 'self' | undefined {
  if (parseDirectConvId(conv)) return 'direct';
  if (parseGroupConvId(conv) !== undefined) return 'group';
  if (parseSelfConvId(conv) !== undefined) return 'self';
  return undefined;
}
