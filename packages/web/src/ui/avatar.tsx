/** A round badge with the initial of a name, in one of eight colours picked by the name; a dot when `online` is given. */
export function Avatar({ name, online }: { name: string; online?: boolean | undefined }) {
  const initial = Array.from(name.trim())[0]?.toUpperCase() ?? '?';
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) % 8;
  // A class, not a style attribute: the server's CSP allows no inline style.
  return (
    <span class={`avatar hue-${hash}`} aria-hidden="true">
      {initial}
      {online !== undefined && <span class={online ? 'dot on' : 'dot'} />}
    </span>
  );
}
