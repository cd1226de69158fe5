import type { Device } from '@warbler/protocol';
import { useEffect, useState } from 'preact/hooks';
import { useLang, useT } from '../../i18n/i18n.js';
import { shortWhen } from '../../format/time.js';
import { api } from '../../state/client.js';
import { signOut } from '../../state/session.js';

/** The user's signed-in devices, each revocable; and logging out of this one. */
export function DeviceSettings() {
  const t = useT();
  const lang = useLang();
  const [devices, setDevices] = useState<Device[]>([]);
  const reload = () =>
    void api()
      .request('device.list', {})
      .then(
        (r) => setDevices(r.devices),
        () => undefined,
      );
  useEffect(reload, []);
  const logout = () =>
    void api()
      .request('auth.logout', {})
      .finally(() => signOut());
  return (
    <fieldset>
      <legend>{t('settings.devices')}</legend>
      <ul class="member-list">
        {devices.map((d) => {
          const name = d.name || `#${d.id}`;
          return (
            <li key={d.id}>
              <span>
                {name} {d.current && <span class="hint">({t('settings.thisDevice')})</span>}
                {d.lastSeenAt ? <span class="hint"> · {shortWhen(d.lastSeenAt, lang)}</span> : null}
              </span>
              {!d.current && (
                <button
                  type="button"
                  onClick={() =>
                    void api()
                      .request('device.revoke', { deviceId: d.id })
                      .then(reload, () => undefined)
                  }
                >
                  {t('settings.revoke', { name })}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={logout}>
        {t('settings.logout')}
      </button>
    </fieldset>
  );
}
