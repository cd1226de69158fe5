/**
 * `text` with every occurrence of `query` marked (case-insensitive, as the server matches), e.g. the
 * 树莓派 of a search inside a sentence.
 */
export function Highlight({ text, query }: { text: string; query: string }) {
  const q = query.trim().toLowerCase();
  if (!q) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts = [];
  let at = 0;
  // Lower-casing keeps the length of these scripts, so indexes in `lower` are indexes in `text`.
  for (let i = lower.indexOf(q); i >= 0 && lower.length === text.length; i = lower.indexOf(q, at)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(<mark key={i}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
