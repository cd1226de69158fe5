import { useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { AuthScreen } from './auth-screen.js';
import { Shell } from './shell.js';

/** The whole app: the sign-in screen, or the signed-in shell. */
export function App() {
  const auth = useApp((s) => s.auth);
  const t = useT();
  if (auth === 'starting')
    return (
      <main class="splash" aria-busy="true">
        <h1>{t('app.name')}</h1>
      </main>
    );
  return auth === 'signedOut' ? <AuthScreen /> : <Shell />;
}
