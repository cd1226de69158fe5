/**
 * Account rules. Usernames: 3 to 32 characters, lowercase ASCII letters, digits, '_', '.', '-',
 * starting with a letter; input is lowercased first, so "Alice" and "alice" are the same user.
 * Display names: any Unicode text of 1 to 64 characters after NFC and trimming, without control
 * characters.
 */
const USERNAME = /^[a-z][a-z0-9_.-]{2,31}$/;

/** The canonical form of a username, or undefined when it breaks the rules. */
export function normalizeUsername(input: string): string | undefined {
  const u = input.trim().toLowerCase();
  return USERNAME.test(u) ? u : undefined;
}

/** The canonical form of a display name, or undefined when it breaks the rules. */
export function normalizeDisplayName(input: string): string | undefined {
  const d = input.normalize('NFC').trim();
  const chars = [...d].length;
  if (chars < 1 || chars > 64 || /\p{Cc}/u.test(d)) return undefined;
  return d;
}
