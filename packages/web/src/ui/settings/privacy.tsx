import type { FriendPolicy, PresencePrivacy } from '@warbler/protocol';
import { FRIEND_POLICIES, PRESENCE_PRIVACIES } from '@warbler/protocol';
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../../i18n/i18n.js';
import { api } from '../../state/client.js';

/** Who sees the user online, and who may befriend them (privacy.update). */
export function PrivacySettings() {
  const t = useT();
  const [p, setP] = useState<{ presence: PresencePrivacy; friendPolicy: FriendPolicy }>();
  useEffect(
    () =>
      void api()
        .profile.privacy({})
        .then(setP, () => undefined),
    [],
  );
  if (!p) return null;
  const change = (d: { presence?: PresencePrivacy; friendPolicy?: FriendPolicy }) =>
    void api()
      .profile.privacy(d)
      .then(setP, () => undefined);
  return (
    <fieldset>
      <legend>{t('settings.privacy')}</legend>
      <label for="set-presence">{t('settings.presence')}</label>
      <select id="set-presence" value={p.presence} onChange={(e) => change({ presence: e.currentTarget.value as PresencePrivacy })}>
        {PRESENCE_PRIVACIES.map((v) => (
          <option key={v} value={v}>
            {t(`settings.opt.${v}`)}
          </option>
        ))}
      </select>
      <label for="set-friends">{t('settings.friendPolicy')}</label>
      <select id="set-friends" value={p.friendPolicy} onChange={(e) => change({ friendPolicy: e.currentTarget.value as FriendPolicy })}>
        {FRIEND_POLICIES.map((v) => (
          <option key={v} value={v}>
            {t(`settings.opt.${v}`)}
          </option>
        ))}
      </select>
    </fieldset>
  );
}
