import { directConvId, type User } from '@warbler/protocol';
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../i18n/i18n.js';
import { app, useApp } from '../state/app.js';
import { api } from '../state/client.js';
import { navigate } from '../state/router.js';
import { findUser } from '../state/users.js';
import { ErrorLine } from './error-line.js';
import { Field } from './field.js';

interface Lists {
  friends: User[];
  incoming: User[];
  outgoing: User[];
  blocked: User[];
}

async function loadLists(): Promise<Lists> {
  const c = api();
  const [f, r, b] = await Promise.all([c.friends.list({ limit: 500 }), c.friends.requests({}), c.blocks.list({ limit: 500 })]);
  return {
    friends: f.friends.map((x) => x.user),
    incoming: r.incoming.map((x) => x.user),
    outgoing: r.outgoing.map((x) => x.user),
    blocked: b.blocked.map((x) => x.user),
  };
}

/** Friends, friend requests both ways, blocked users; adding a friend by username. */
export function ContactsView() {
  const t = useT();
  const version = useApp((s) => s.contactsVersion);
  const [lists, setLists] = useState<Lists>();
  const [name, setName] = useState('');
  const [note, setNote] = useState<string>();
  const [error, setError] = useState<string>();
  const reload = () => void loadLists().then(setLists, (e: { code?: string }) => setError(e.code));
  useEffect(reload, [version]);
  const run = (f: () => Promise<unknown>) => () => void f().then(reload, (e: { code?: string }) => setError(e.code ?? 'internal'));

  const request = async (e: Event) => {
    e.preventDefault();
    const user = await findUser(name);
    if (!user) return setError('user_not_found');
    run(() =>
      api()
        .friends.request(user.id)
        .then(() => (setNote(t('contacts.sent')), setName(''))),
    )();
  };

  const row = (u: User, buttons: [string, () => Promise<unknown>][]) => (
    <li key={u.id}>
      <span>
        {u.displayName} <span class="hint">@{u.username}</span>
      </span>
      <span class="row-actions">
        {buttons.map(([label, f]) => (
          <button key={label} type="button" onClick={run(f)}>
            {label}
          </button>
        ))}
      </span>
    </li>
  );
  const chat = (u: User) => async () => navigate({ view: 'chat', conv: directConvId(app.get().me!.id, u.id) });

  return (
    <section class="page" aria-labelledby="contacts-title">
      <h2 id="contacts-title">{t('contacts.title')}</h2>
      <form class="inline-form" onSubmit={request}>
        <Field label={t('contacts.add')} value={name} onInput={setName} required />
        <button type="submit">{t('contacts.send')}</button>
      </form>
      {note && <p role="status">{note}</p>}
      <ErrorLine code={error} />
      {lists && lists.incoming.length > 0 && (
        <>
          <h3>{t('contacts.incoming')}</h3>
          <ul class="member-list">
            {lists.incoming.map((u) =>
              row(u, [
                [t('contacts.accept', { name: u.displayName }), () => api().friends.accept(u.id)],
                [t('contacts.decline', { name: u.displayName }), () => api().friends.decline(u.id)],
              ]),
            )}
          </ul>
        </>
      )}
      <h3>{t('contacts.friends')}</h3>
      {lists?.friends.length === 0 && <p class="hint">{t('contacts.none')}</p>}
      <ul class="member-list">
        {lists?.friends.map((u) =>
          row(u, [
            [t('contacts.chat', { name: u.displayName }), chat(u)],
            [t('contacts.remove', { name: u.displayName }), () => api().friends.remove(u.id)],
            [t('contacts.block', { name: u.displayName }), () => api().blocks.add(u.id)],
          ]),
        )}
      </ul>
      {lists && lists.outgoing.length > 0 && (
        <>
          <h3>{t('contacts.outgoing')}</h3>
          <ul class="member-list">{lists.outgoing.map((u) => row(u, []))}</ul>
        </>
      )}
      {lists && lists.blocked.length > 0 && (
        <>
          <h3>{t('contacts.blocked')}</h3>
          <ul class="member-list">
            {lists.blocked.map((u) => row(u, [[t('contacts.unblock', { name: u.displayName }), () => api().blocks.remove(u.id)]]))}
          </ul>
        </>
      )}
    </section>
  );
}
