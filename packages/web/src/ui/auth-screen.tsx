import { useState } from 'preact/hooks';
import { registrationPolicy } from '../format/registration.js';
import { useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { login, register } from '../state/session.js';
import { ErrorLine } from './error-line.js';
import { Field } from './field.js';

/** Log in, or sign up as the server's registration policy allows (open, with an invite code, or not at all). */
export function AuthScreen() {
  const t = useT();
  const policy = registrationPolicy();
  const reason = useApp((s) => s.signedOutReason);
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [form, setForm] = useState({ username: '', password: '', displayName: '', invite: '' });
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'login') await login(form.username, form.password);
      else await register(form.username, form.password, { displayName: form.displayName, invite: form.invite });
    } catch (err) {
      setError((err as { code?: string }).code ?? 'internal');
      setBusy(false);
    }
  };

  const title = mode === 'login' ? t('auth.login') : t('auth.register');
  return (
    <main class="auth">
      <form class="card" onSubmit={submit} aria-labelledby="auth-title">
        <h1 class="brand">{t('app.name')}</h1>
        <h2 id="auth-title">{title}</h2>
        {reason && <p role="alert">{t(reason as 'auth.signedOut.revoked')}</p>}
        {mode === 'register' && policy === 'closed' ? (
          <p>{t('auth.closed')}</p>
        ) : (
          <>
            <Field label={t('auth.username')} value={form.username} onInput={set('username')} autocomplete="username" required />
            <Field
              label={t('auth.password')}
              type="password"
              value={form.password}
              onInput={set('password')}
              autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
            />
            {mode === 'register' && <Field label={t('auth.displayName')} value={form.displayName} onInput={set('displayName')} />}
            {mode === 'register' && policy === 'invite' && (
              <>
                <p class="hint">{t('auth.inviteHint')}</p>
                <Field label={t('auth.invite')} value={form.invite} onInput={set('invite')} required />
              </>
            )}
            <ErrorLine code={error} />
            <button class="primary" type="submit" disabled={busy}>
              {title}
            </button>
          </>
        )}
        <button type="button" class="link" onClick={() => (setMode(mode === 'login' ? 'register' : 'login'), setError(undefined))}>
          {mode === 'login' ? t('auth.toRegister') : t('auth.toLogin')}
        </button>
      </form>
    </main>
  );
}
