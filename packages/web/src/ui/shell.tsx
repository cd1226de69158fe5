import { useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { navigate, useRoute, type Route } from '../state/router.js';
import { ChatView } from './chat/chat-view.js';
import { ContactsView } from './contacts-view.js';
import { ConvList } from './conv-list.js';
import { NewGroup } from './new-group.js';
import { SearchView } from './search-view.js';
import { SettingsView } from './settings-view.js';

const TABS = [
  { view: 'chats', key: 'nav.chats' },
  { view: 'contacts', key: 'nav.contacts' },
  { view: 'search', key: 'nav.search' },
  { view: 'settings', key: 'nav.settings' },
] as const;

/**
 * The signed-in layout: the navigation, the conversation list beside the view on a desktop; on a
 * phone one of them at a time (styles.css, by the `data-view` attribute).
 */
export function Shell() {
  const t = useT();
  const route = useRoute();
  const connected = useApp((s) => s.connected);
  const current = route.view === 'chat' || route.view === 'newGroup' ? 'chats' : route.view;
  return (
    <div class="shell" data-view={route.view}>
      <nav class="tabs" aria-label={t('nav.main')}>
        {TABS.map((tab) => (
          <a
            key={tab.view}
            href={tab.view === 'chats' ? '/' : `/${tab.view}`}
            aria-current={current === tab.view ? 'page' : undefined}
            onClick={(e) => (e.preventDefault(), navigate({ view: tab.view } as Route))}
          >
            {t(tab.key)}
          </a>
        ))}
      </nav>
      {!connected && (
        <p class="offline" role="status">
          {t('app.offline')}
        </p>
      )}
      <aside class="sidebar" aria-label={t('convs.title')}>
        <ConvList />
      </aside>
      <main class="main">
        <MainView route={route} />
      </main>
    </div>
  );
}

function MainView({ route }: { route: Route }) {
  const t = useT();
  switch (route.view) {
    case 'chat':
      return <ChatView key={route.conv} conv={route.conv} />;
    case 'contacts':
      return <ContactsView />;
    case 'search':
      return <SearchView />;
    case 'settings':
      return <SettingsView />;
    case 'newGroup':
      return <NewGroup />;
    default:
      return <p class="placeholder">{t('chat.select')}</p>;
  }
}
