import { useState } from 'preact/hooks';
import { useT } from '../../i18n/i18n.js';
import { app, useApp } from '../../state/app.js';
import { api } from '../../state/client.js';
import { ErrorLine } from '../error-line.js';
import { Field } from '../field.js';

/** The user's display name and bio. */
export function ProfileSettings() {
  const t = useT();
  const me = useApp((s) => s.me!);
  const [displayName, setName] = useState(me.displayName);
  const [bio, setBio] = useState(me.bio ?? '');
  const [status, setStatus] = useState<{ ok?: boolean; error?: string }>({});
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api().profile.update({ displayName, bio });
      const user = 'user' in r ? (r as { user: typeof me }).user : { ...me, displayName, bio };
      app.update((s) => ({ ...s, me: user, users: { ...s.users, [user.id]: user } }));
      setStatus({ ok: true });
    } catch (err) {
      setStatus({ error: (err as { code?: string }).code ?? 'internal' });
    }
  };
  return (
    <form onSubmit={save}>
      <fieldset>
        <legend>{t('settings.profile')}</legend>
        <p class="hint">@{me.username}</p>
        <Field label={t('settings.displayName')} value={displayName} onInput={setName} required />
        <Field label={t('settings.bio')} value={bio} onInput={setBio} />
        <button type="submit">{t('settings.save')}</button>
        {status.ok && <p role="status">{t('settings.saved')}</p>}
        <ErrorLine code={status.error} />
      </fieldset>
    </form>
  );
}
