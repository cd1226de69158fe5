import type { Message } from '@warbler/protocol';
import { useT } from '../../i18n/i18n.js';

/** A message's text, with `@name` mentions marked. */
export function MessageText({ m }: { m: Message }) {
  const t = useT();
  if (m.text === undefined) return <p class="text">{t('chat.media', { kind: m.kind })}</p>;
  const parts = m.text.split(/(@[\p{L}\p{N}_.-]+)/u);
  return (
    <p class="text">
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <span key={i} class="mention">
            {p}
          </span>
        ) : (
          p
        ),
      )}
    </p>
  );
}
