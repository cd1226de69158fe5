import { useState } from 'preact/hooks';
import { useT } from '../i18n/i18n.js';
import { useApp } from '../state/app.js';
import { sortedConversations } from '../state/conversations.js';
import { navigate } from '../state/router.js';
import { ConvItem } from './conv-item.js';
import { NewChat } from './new-chat.js';

/** The conversation list: pinned first, then by last activity; archived ones behind a toggle. */
export function ConvList() {
  const t = useT();
  const convs = useApp((s) => s.convs);
  const [showArchived, setShowArchived] = useState(false);
  const active = sortedConversations(convs, false);
  const archived = sortedConversations(convs, true);
  return (
    <div class="convs">
      <div class="convs-head">
        <h2>{t('convs.title')}</h2>
        <button type="button" onClick={() => navigate({ view: 'newGroup' })}>
          {t('convs.newGroup')}
        </button>
      </div>
      <NewChat />
      {active.length === 0 && archived.length === 0 && <p class="hint">{t('convs.empty')}</p>}
      <ul class="conv-list">
        {active.map((c) => (
          <ConvItem key={c.conv} c={c} />
        ))}
      </ul>
      {archived.length > 0 && (
        <button type="button" class="link" aria-expanded={showArchived} onClick={() => setShowArchived(!showArchived)}>
          {showArchived ? t('convs.hideArchived') : t('convs.showArchived', { n: archived.length })}
        </button>
      )}
      {showArchived && (
        <ul class="conv-list" aria-label={t('convs.archived')}>
          {archived.map((c) => (
            <ConvItem key={c.conv} c={c} />
          ))}
        </ul>
      )}
    </div>
  );
}
