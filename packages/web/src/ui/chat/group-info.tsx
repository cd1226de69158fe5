import type { GroupInfo as Info, GroupJoinRequest, GroupMember } from '@warbler/protocol';
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../../i18n/i18n.js';
import { api } from '../../state/client.js';
import { addMember, groupInfo, joinRequests, loadMembers, setAnnouncement } from '../../state/groups.js';
import { navigate } from '../../state/router.js';
import { ErrorLine } from '../error-line.js';
import { Field } from '../field.js';

const ROLE_KEYS = { owner: 'group.role.owner', admin: 'group.role.admin', member: 'group.role.member' } as const;

/** A group's announcement, members with their roles, join requests; what the user's role allows to change. */
export function GroupInfo({ conv, onClose }: { conv: string; onClose: () => void }) {
  const t = useT();
  const [info, setInfo] = useState<Info>();
  const [members, setMembers] = useState<GroupMember[]>([]);
  const [requests, setRequests] = useState<GroupJoinRequest[]>([]);
  const [announcement, setText] = useState('');
  const [newMember, setNewMember] = useState('');
  const [error, setError] = useState<string>();
  const reload = async () => {
    const i = await groupInfo(conv);
    setInfo(i);
    setText(i.announcement ?? '');
    setMembers(await loadMembers(conv));
    if (i.role !== 'member') setRequests(await joinRequests(conv).catch(() => []));
  };
  useEffect(() => void reload().catch((e: { code?: string }) => setError(e.code)), [conv]);
  const run = (f: () => Promise<unknown>) => () =>
    void f()
      .then(reload)
      .catch((e: { code?: string }) => setError(e.code ?? 'internal'));
  const admin = info?.role === 'owner' || info?.role === 'admin';

  return (
    <section class="group-info" aria-labelledby="group-info-title">
      <h3 id="group-info-title">{info?.name ?? t('chat.groupInfo')}</h3>
      <button type="button" class="link" onClick={onClose}>
        {t('group.close')}
      </button>
      <ErrorLine code={error} />
      {admin ? (
        <form onSubmit={(e) => (e.preventDefault(), run(() => setAnnouncement(conv, announcement))())}>
          <Field label={t('group.announcement')} value={announcement} onInput={setText} />
          <button type="submit">{t('group.saveAnnouncement')}</button>
        </form>
      ) : (
        info?.announcement && (
          <p class="announcement">
            <strong>{t('group.announcement')}:</strong> {info.announcement}
          </p>
        )
      )}
      <h4>{t('group.memberList')}</h4>
      <ul class="member-list">
        {members.map((m) => {
          const name = m.user.displayName;
          const canManage = admin && m.role !== 'owner' && m.user.id !== undefined && (info?.role === 'owner' || m.role === 'member');
          return (
            <li key={m.user.id}>
              <span>
                {name}{' '}
                <span class="hint">
                  @{m.user.username} · {t(ROLE_KEYS[m.role])}
                </span>
              </span>
              {canManage && (
                <span class="row-actions">
                  {info?.role === 'owner' && (
                    <button type="button" onClick={run(() => api().groups.role(conv, m.user.id, m.role === 'admin' ? 'member' : 'admin'))}>
                      {m.role === 'admin' ? t('group.makeMember', { name }) : t('group.makeAdmin', { name })}
                    </button>
                  )}
                  <button type="button" onClick={run(() => api().groups.mute(conv, m.user.id, 3600))}>
                    {t('group.muteMember', { name })}
                  </button>
                  <button type="button" onClick={run(() => api().groups.remove(conv, [m.user.id]))}>
                    {t('group.remove', { name })}
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {admin && (
        <form
          class="inline-form"
          onSubmit={(e) => (e.preventDefault(), run(() => addMember(conv, newMember).then(() => setNewMember('')))())}
        >
          <Field label={t('group.add')} value={newMember} onInput={setNewMember} />
          <button type="submit">{t('group.addButton')}</button>
        </form>
      )}
      {requests.length > 0 && (
        <>
          <h4>{t('group.requests')}</h4>
          <ul class="member-list">
            {requests.map((r) => (
              <li key={r.user.id}>
                <span>{r.user.displayName}</span>
                <button type="button" onClick={run(() => api().groups.approve(conv, r.user.id, true))}>
                  {t('group.approve', { name: r.user.displayName })}
                </button>
                <button type="button" onClick={run(() => api().groups.approve(conv, r.user.id, false))}>
                  {t('group.decline', { name: r.user.displayName })}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {info?.role !== 'owner' && (
        <button
          type="button"
          onClick={run(() =>
            api()
              .groups.leave(conv)
              .then(() => navigate({ view: 'chats' })),
          )}
        >
          {t('group.leave')}
        </button>
      )}
    </section>
  );
}
