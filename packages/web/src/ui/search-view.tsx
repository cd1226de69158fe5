import type { Message } from '@warbler/protocol';
import { useState } from 'preact/hooks';
import { Highlight } from '../format/highlight.js';
import { shortWhen } from '../format/time.js';
import { useLang, useT } from '../i18n/i18n.js';
import { app, useApp } from '../state/app.js';
import { api } from '../state/client.js';
import { navigate } from '../state/router.js';
import { ensureUsers, nameOf } from '../state/users.js';
import { convTitle } from './conv-title.js';
import { ErrorLine } from './error-line.js';

/** Full-text search over the user's messages (Chinese included), with the query highlighted in each result. */
export function SearchView() {
  const t = useT();
  const lang = useLang();
  const users = useApp((s) => s.users);
  const convs = useApp((s) => s.convs);
  const [q, setQ] = useState('');
  const [shown, setShown] = useState<{ q: string; results: Message[]; next?: string }>();
  const [error, setError] = useState<string>();

  const run = async (before?: string) => {
    const query = q.trim();
    if ([...query].length < 2) return (setError(undefined), setShown({ q: query, results: [] }));
    try {
      // The server may answer a short page with `next` (its work per request is bounded): ask again.
      let results = before ? (shown?.results ?? []) : [];
      let next = before;
      do {
        const page = await api().search({ q: query, limit: 20, ...(next ? { before: next } : {}) });
        results = [...results, ...page.messages];
        next = page.next;
      } while (next && results.length < 20);
      ensureUsers(results.map((m) => m.from));
      setError(undefined);
      setShown({ q: query, results, ...(next ? { next } : {}) });
    } catch (e) {
      setError((e as { code?: string }).code ?? 'internal');
    }
  };

  return (
    <section class="page" aria-labelledby="search-title">
      <h2 id="search-title">{t('nav.search')}</h2>
      <form class="inline-form" role="search" onSubmit={(e) => (e.preventDefault(), void run())}>
        <label for="search-q" class="visually-hidden">
          {t('search.label')}
        </label>
        <input id="search-q" type="search" placeholder={t('search.label')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">{t('search.button')}</button>
      </form>
      <ErrorLine code={error} />
      {shown && [...shown.q].length < 2 && <p class="hint">{t('search.minChars')}</p>}
      {shown && [...shown.q].length >= 2 && shown.results.length === 0 && <p>{t('search.none')}</p>}
      <ul class="results">
        {shown?.results.map((m) => (
          <li key={m.id}>
            <a href={`/chat/${encodeURIComponent(m.conv)}`} onClick={(e) => (e.preventDefault(), navigate({ view: 'chat', conv: m.conv }))}>
              <span class="result-head">
                {convTitle(m.conv, convs[m.conv], users, app.get().me!.id, t)} · {nameOf(users, m.from)} · {shortWhen(m.ts, lang)}
              </span>
              <span class="result-text">
                <Highlight text={m.text ?? m.media?.name ?? ''} query={shown.q} />
              </span>
            </a>
          </li>
        ))}
      </ul>
      {shown?.next && (
        <button type="button" onClick={() => void run(shown.next)}>
          {t('search.more')}
        </button>
      )}
    </section>
  );
}
