import type { WarblerClient } from '@warbler/sdk';
import { app } from './app.js';
import { dropClient, newClient } from './client.js';
import { loadConversations } from './conversations.js';
import { wireEvents } from './events.js';
import { initialState } from './model.js';

/** This browser's session: the device token and its user, kept so a reload resumes without a password. */
const SESSION_KEY = 'warbler.session';
const cursorsKey = (user: number) => `warbler.cursors.${user}`;
/** Errors after which a saved token is of no use: log in again. */
const TOKEN_DEAD = new Set(['token_invalid', 'token_expired', 'account_disabled', '4100', '4101', '4103']);

interface Saved {
  token: string;
  user: number;
}

function readSaved(): Saved | undefined {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Saved | null;
    return s && typeof s.token === 'string' && typeof s.user === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

function readCursors(user: number): Record<string, number> {
  try {
    return JSON.parse(localStorage.getItem(cursorsKey(user)) ?? '{}') as Record<string, number>;
  } catch {
    return {};
  }
}

/** A client wired to the app's state; `signOut` is its reaction to a token that stopped working. */
function client(cursors: Record<string, number>): WarblerClient {
  const c = newClient(cursors);
  wireEvents(c, {
    saveCursors: () => c.user && localStorage.setItem(cursorsKey(c.user.id), JSON.stringify(c.cursors)),
    authLost: (code) =>
      signOut(code === '4103' || code === 'account_disabled' ? 'auth.signedOut.account_disabled' : 'auth.signedOut.revoked'),
  });
  return c;
}

async function signedIn(c: WarblerClient): Promise<void> {
  localStorage.setItem(SESSION_KEY, JSON.stringify({ token: c.sessionToken!, user: c.user!.id } satisfies Saved));
  app.update((s) => ({ ...s, auth: 'signedIn', me: c.user!, connected: true, users: { ...s.users, [c.user!.id]: c.user! } }));
  await loadConversations();
}

/** On start: resumes the saved session, or shows the sign-in screen. Retries while the server is unreachable. */
export async function startSession(): Promise<void> {
  const saved = readSaved();
  if (!saved) return void app.update((s) => ({ ...s, auth: 'signedOut' }));
  const c = client(readCursors(saved.user));
  try {
    await c.connect();
    await c.resume(saved.token);
    await signedIn(c);
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (TOKEN_DEAD.has(code)) return signOut(code === 'account_disabled' ? 'auth.signedOut.account_disabled' : undefined);
    app.update((s) => ({ ...s, connected: false }));
    setTimeout(() => void startSession(), 3000);
  }
}

export async function login(username: string, password: string): Promise<void> {
  const c = client({});
  await c.connect();
  await c.login(username, password);
  await signedIn(c);
}

export async function register(username: string, password: string, opts: { displayName?: string; invite?: string }): Promise<void> {
  const c = client({});
  await c.connect();
  await c.register(username, password, {
    ...(opts.displayName ? { displayName: opts.displayName } : {}),
    ...(opts.invite ? { invite: opts.invite } : {}),
  });
  await signedIn(c);
}

/** Forgets the session on this browser and shows the sign-in screen (with `reason`, an i18n key). */
export function signOut(reason?: string): void {
  localStorage.removeItem(SESSION_KEY);
  dropClient();
  app.update(() => ({ ...initialState, auth: 'signedOut', ...(reason ? { signedOutReason: reason } : {}) }));
}
