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

/** The server takes one `typing` per conversation and connection a second (presence.typingIntervalMs). */
const MIN_GAP_MS = 1100;
const lastSent: Record<string, { at: number; typing: boolean }> = {};
let deferred: ReturnType<typeof setTimeout> | undefined;

function sendTyping(conv: string, typing: boolean): void {
  lastSent[conv] = { at: Date.now(), typing };
  api()
    .typing(conv, typing)
    .catch(() => undefined);
}

/** The user typed in the composer of `conv`: tells the others, repeated every few seconds while it lasts. */
export function userTyping(conv: string): void {
  const last = lastSent[conv];
  const now = Date.now();
  if (last?.typing && now - last.at < REPEAT_MS) return;
  if (!last || now - last.at >= MIN_GAP_MS) return sendTyping(conv, true);
  // Too soon after the previous frame (e.g. a `false` when the last message went): a little later.
  clearTimeout(deferred);
  deferred = setTimeout(() => sendTyping(conv, true), last.at + MIN_GAP_MS - now);
}

/** The user emptied the composer without sending: typing stops. (A sent message ends it for the receivers by itself.) */
export function userStoppedTyping(conv: string): void {
  clearTimeout(deferred);
  if (!lastSent[conv]?.typing) return;
  sendTyping(conv, false);
}

/** The user sent a message: the receivers drop the indicator on their own; the next keystroke starts it again. */
export function userSent(conv: string): void {
  clearTimeout(deferred);
  const last = lastSent[conv];
  if (last) lastSent[conv] = { ...last, typing: false };
}
