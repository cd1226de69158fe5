import { createHash, randomBytes } from 'node:crypto';

/** A new device token: 32 random bytes, base64url, with a version prefix. Only its hash is stored. */
export function newToken(): string {
  return 'wb1_' + randomBytes(32).toString('base64url');
}

/** The stored form of a token: SHA-256, hex. A fast hash suffices for 256 random bits. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new invite code: 16 random bytes, base64url, with a prefix. Only its hash (`hashToken`) is stored. */
export function newInviteCode(): string {
  return 'wbi_' + randomBytes(16).toString('base64url');
}
