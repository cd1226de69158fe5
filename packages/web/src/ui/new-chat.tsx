import { directConvId } from '@warbler/protocol';
import { useState } from 'preact/hooks';
import { useT } from '../i18n/i18n.js';
import { app } from '../state/app.js';
import { navigate } from '../state/router.js';
import { findUser } from '../state/users.js';

/** Start a one-to-one chat by username. */
export function NewChat() {
  const t = useT();
  const [name, setName] = useState('');
  const [notFound, setNotFound] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const user = await findUser(name);
    setNotFound(!user);
    if (!user) return;
    setName('');
    navigate({ view: 'chat', conv: directConvId(app.get().me!.id, user.id) });
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <label for="new-chat" class="visually-hidden">
        {t('newChat.label')}
      </label>
      <input id="new-chat" placeholder={t('newChat.label')} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <button type="submit">{t('newChat.start')}</button>
      {notFound && (
        <p class="error" role="alert">
          {t('newChat.notFound')}
        </p>
      )}
    </form>
  );
}
