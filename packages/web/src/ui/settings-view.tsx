import { useT } from '../i18n/i18n.js';
import { AppearanceSettings } from './settings/appearance.js';
import { DeviceSettings } from './settings/devices.js';
import { NotificationSettings } from './settings/notifications.js';
import { PrivacySettings } from './settings/privacy.js';
import { ProfileSettings } from './settings/profile.js';

/** Profile, appearance (language, theme), notifications, privacy, devices, log out. */
export function SettingsView() {
  const t = useT();
  return (
    <section class="page settings" aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      <ProfileSettings />
      <AppearanceSettings />
      <NotificationSettings />
      <PrivacySettings />
      <DeviceSettings />
    </section>
  );
}
