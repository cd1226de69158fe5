import { useT } from '../i18n/i18n.js';

/** An error code from the server, said in the user's language; nothing when there is none. */
export function ErrorLine({ code }: { code: string | undefined }) {
  const t = useT();
  if (!code) return null;
  return (
    <p class="error" role="alert">
      {t('error.generic', { code })}
    </p>
  );
}
