import { useState } from 'preact/hooks';
import { useT } from '../../i18n/i18n.js';
import { enableNotifications } from '../../state/notify.js';

/** Desktop notifications: asks the browser on a click, and says what it allows. */
export function NotificationSettings() {
  const t = useT();
  const supported = 'Notification' in globalThis;
  const [permission, setPermission] = useState(supported ? Notification.permission : 'unsupported');
  return (
    <fieldset>
      <legend>{t('settings.notifications')}</legend>
      {permission === 'unsupported' && <p>{t('settings.notifications.unsupported')}</p>}
      {permission === 'granted' && <p>{t('settings.notifications.on')}</p>}
      {permission === 'denied' && <p>{t('settings.notifications.denied')}</p>}
      {permission === 'default' && (
        <button type="button" onClick={() => void enableNotifications().then(setPermission)}>
          {t('settings.notifications.enable')}
        </button>
      )}
    </fieldset>
  );
}
