/** How a `users` row is read: its columns, and the UserRow built from them (shared by the SQL stores). */
import type { UserRow } from '../store.js';

/** The columns of a RawUser, from `users`. */
export const USER_COLS =
  'id, username, display_name AS displayName, password_hash AS passwordHash, is_admin AS isAdmin, created_at AS createdAt, avatar, bio, disabled_at AS disabledAt';

/** A users row as read: optional columns NULL when unset. */
export type RawUser = Omit<UserRow, 'isAdmin' | 'avatar' | 'bio' | 'disabledAt'> & {
  isAdmin: number;
  avatar: string | null;
  bio: string | null;
  disabledAt: number | null;
};

/** A UserRow with numbers as numbers; `avatar`, `bio` and `disabledAt` only when set. */
export const toUser = ({ avatar, bio, disabledAt, ...r }: RawUser): UserRow => ({
  ...r,
  id: Number(r.id),
  isAdmin: Number(r.isAdmin) === 1,
  createdAt: Number(r.createdAt),
  ...(avatar != null ? { avatar } : {}),
  ...(bio != null ? { bio } : {}),
  ...(disabledAt != null ? { disabledAt: Number(disabledAt) } : {}),
});
