/** A round badge with the initial of a name, coloured by it; a dot when `online` is given. */
export function Avatar({ name, online }: { name: string; online?: boolean | undefined }) {
  const initial = Array.from(name.trim())[0]?.toUpperCase() ?? '?';
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) % 360;
  return (
    <span class="avatar" style={`--hue:${hash}`} aria-hidden="true">
      {initial}
      {online !== undefined && <span class={online ? 'dot on' : 'dot'} />}
    </span>
  );
}
