import { Store, useSelect } from './store.js';

/** The app's views, by path (the server serves index.html for these paths: app-routes.json). */
export type Route =
  | { view: 'chats' }
  | { view: 'chat'; conv: string }
  | { view: 'contacts' }
  | { view: 'search' }
  | { view: 'settings' }
  | { view: 'newGroup' };

export function parseRoute(path: string): Route {
  if (path.startsWith('/chat/')) return { view: 'chat', conv: decodeURIComponent(path.slice('/chat/'.length)) };
  if (path === '/contacts') return { view: 'contacts' };
  if (path === '/search') return { view: 'search' };
  if (path === '/settings') return { view: 'settings' };
  if (path === '/groups/new') return { view: 'newGroup' };
  return { view: 'chats' };
}

export function routePath(r: Route): string {
  switch (r.view) {
    case 'chat':
      return `/chat/${encodeURIComponent(r.conv)}`;
    case 'newGroup':
      return '/groups/new';
    case 'chats':
      return '/';
    default:
      return `/${r.view}`;
  }
}

export const router = new Store<Route>(parseRoute(location.pathname));
addEventListener('popstate', () => router.update(() => parseRoute(location.pathname)));

/** Shows a view and records it in the browser's history. */
export function navigate(r: Route): void {
  const path = routePath(r);
  if (path !== location.pathname) history.pushState(null, '', path);
  router.update(() => r);
}

export function useRoute(): Route {
  return useSelect(router, (r) => r);
}

/** The conversation shown now, if any. */
export function openConv(): string | undefined {
  const r = router.get();
  return r.view === 'chat' ? r.conv : undefined;
}
