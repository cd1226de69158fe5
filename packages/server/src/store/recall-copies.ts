/**
 * What a recall leaves of the entries that copied the text of its target: an `edit` entry keeps only
 * its `target`; a reply keeps its own content and a quote without text (`seq`, `from`, `kind`). Both
 * say `recalled: true`, so a client knows the text was taken back rather than never there.
 */

/** The body of a stored entry (`kind`, JSON `body`) without the text it copied from a recalled message. */
export function withoutCopiedText(kind: string, body: string): string {
  const b = JSON.parse(body) as Record<string, unknown>;
  if (kind === 'edit') return JSON.stringify({ target: b.target, recalled: true });
  const q = b.replyTo;
  if (typeof q === 'object' && q !== null) {
    const { seq, from, kind: quoted } = q as Record<string, unknown>;
    b.replyTo = { seq, from, kind: quoted, recalled: true };
  }
  return JSON.stringify(b);
}
