import type { User } from '@warbler/protocol';
import { app } from './app.js';
import { api } from './client.js';

/** Adds users to the cache of names (from lists, members, messages' senders). */
export function rememberUsers(users: User[]): void {
  if (users.length === 0) return;
  app.update((s) => {
    const next = { ...s.users };
    for (const u of users) next[u.id] = u;
    return { ...s, users: next };
  });
}

const asked = new Set<number>();
/** Fetches the profiles of users not in the cache yet (each asked once). */
export function ensureUsers(ids: number[]): void {
  const known = app.get().users;
  for (const id of ids) {
    if (known[id] || asked.has(id)) continue;
    asked.add(id);
    api()
      .request('user.get', { id })
      .then((r) => rememberUsers([r.user]))
      .catch(() => undefined);
  }
}

/** The user with this username, or undefined when there is none (or they may not be seen). */
export async function findUser(username: string): Promise<User | undefined> {
  try {
    const { user } = await api().request('user.get', { username: username.trim().replace(/^@/, '') });
    rememberUsers([user]);
    return user;
  } catch {
    return undefined;
  }
}

/** Starts watching the presence of these users (their state now, then `presence` events). */
export async function watchPresence(ids: number[]): Promise<void> {
  const users = [...new Set(ids)].filter((id) => id !== app.get().me?.id);
  if (users.length === 0) return;
  const { presence } = await api().presence.watch(users);
  app.update((s) => {
    const next = { ...s.presence };
    for (const p of presence) next[p.user] = { online: p.online, ...(p.lastSeen !== undefined ? { lastSeen: p.lastSeen } : {}) };
    return { ...s, presence: next };
  });
}

/** What to call a user: their display name, or the id while the profile loads. */
export function nameOf(users: Record<number, User>, id: number): string {
  return users[id]?.displayName || users[id]?.username || `#${id}`;
}
