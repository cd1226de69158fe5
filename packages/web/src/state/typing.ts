import { app } from './app.js';
import { api } from './client.js';

/** A typing indicator not repeated within this time is dropped (docs/protocol.md: about 5 s). */
const SHOWN_MS = 6000;
/** While the user types, `typing: true` is repeated at most this often. */
const REPEAT_MS = 3000;

/** Someone else started or stopped typing (a `typing` event), or sent a message (which ends it). */
export function noteTyping(conv: string, user: number, typing: boolean): void {
  app.update((s) => {
    const inConv = { ...(s.typing[conv] ?? {}) };
    if (typing) inConv[user] = Date.now() + SHOWN_MS;
    else if (inConv[user] === undefined) return s;
    else delete inConv[user];
    return { ...s, typing: { ...s.typing, [conv]: inConv } };
  });
  if (typing) setTimeout(expire, SHOWN_MS + 100);
}

function expire(): void {
  const now = Date.now();
  app.update((s) => {
    let changed = false;
    const typing: typeof s.typing = {};
    for (const [conv, users] of Object.entries(s.typing)) {
      const left = Object.fromEntries(Object.entries(users).filter(([, until]) => until > now));
      if (Object.keys(left).length !== Object.keys(users).length) changed = true;
      typing[conv] = left;
    }
    return changed ? { ...s, typing } : s;
  });
}

let lastSent: { conv: string; at: number } | undefined;
/** The user typed in the composer of `conv`: tells the others, at most every few seconds. */
export function userTyping(conv: string): void {
  const now = Date.now();
  if (lastSent && lastSent.conv === conv && now - lastSent.at < REPEAT_MS) return;
  lastSent = { conv, at: now };
  api()
    .typing(conv, true)
    .catch(() => undefined);
}

/** The user sent or cleared the message: typing stops. */
export function userStoppedTyping(conv: string): void {
  if (lastSent?.conv !== conv) return;
  lastSent = undefined;
  api()
    .typing(conv, false)
    .catch(() => undefined);
}
