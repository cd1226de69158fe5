import { useState } from 'preact/hooks';
import { useT } from '../i18n/i18n.js';
import { createGroup } from '../state/groups.js';
import { navigate } from '../state/router.js';
import { ErrorLine } from './error-line.js';
import { Field } from './field.js';

/** Create a group: a name and the usernames of its first members. */
export function NewGroup() {
  const t = useT();
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const names = members.split(/[,，\s]+/).filter(Boolean);
      const { conv, missing } = await createGroup(name, names);
      if (missing.length) setError(`user_not_found: ${missing.join(', ')}`);
      navigate({ view: 'chat', conv });
    } catch (err) {
      setError((err as { code?: string }).code ?? 'internal');
    }
  };
  return (
    <section class="page" aria-labelledby="new-group-title">
      <h2 id="new-group-title">{t('convs.newGroup')}</h2>
      <form onSubmit={submit}>
        <Field label={t('group.name')} value={name} onInput={setName} required />
        <Field label={t('group.members')} value={members} onInput={setMembers} />
        <ErrorLine code={error} />
        <button class="primary" type="submit">
          {t('group.create')}
        </button>
      </form>
    </section>
  );
}
