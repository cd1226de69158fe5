import { setLang, langStore, useT, type LangChoice } from '../../i18n/i18n.js';
import { useSelect } from '../../state/store.js';
import { setTheme, themeStore, type Theme } from '../../state/theme.js';

/** Language (the browser's, English, 中文) and theme (the system's, light, dark). */
export function AppearanceSettings() {
  const t = useT();
  const lang = useSelect(langStore, (l) => l);
  const theme = useSelect(themeStore, (x) => x);
  return (
    <fieldset>
      <legend>{t('settings.appearance')}</legend>
      <label for="set-lang">{t('settings.language')}</label>
      <select id="set-lang" value={lang} onChange={(e) => setLang(e.currentTarget.value as LangChoice)}>
        <option value="auto">{t('settings.lang.auto')}</option>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
      <label for="set-theme">{t('settings.theme')}</label>
      <select id="set-theme" value={theme} onChange={(e) => setTheme(e.currentTarget.value as Theme)}>
        <option value="system">{t('settings.theme.system')}</option>
        <option value="light">{t('settings.theme.light')}</option>
        <option value="dark">{t('settings.theme.dark')}</option>
      </select>
    </fieldset>
  );
}
