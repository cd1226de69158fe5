import type { ComposeMode } from './compose-mode.js';
import { useEffect, useState } from 'preact/hooks';
import { app, useApp } from '../../state/app.js';
import { openChat } from '../../state/chats.js';
import { markAllRead } from '../../state/conversations.js';
import { ensureUsers, watchPresence } from '../../state/users.js';
import { peerOf } from '../conv-title.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { GroupInfo } from './group-info.js';
import { MessageList } from './message-list.js';
import { TypingLine } from './typing-line.js';

/** One conversation: header, history with paging, who is typing, and the composer. */
export function ChatView({ conv }: { conv: string }) {
  const [mode, setMode] = useState<ComposeMode>();
  const [infoOpen, setInfoOpen] = useState(false);
  const unread = useApp((s) => s.convs[conv]?.unread ?? 0);

  useEffect(() => {
    void openChat(conv).catch(() => undefined);
    const peer = peerOf(conv, app.get().me!.id);
    if (peer !== undefined) {
      ensureUsers([peer]);
      void watchPresence([peer]).catch(() => undefined);
    }
    const onVisible = () => markAllRead(conv);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [conv]);
  useEffect(() => markAllRead(conv), [conv, unread]);

  return (
    <section class="chat" aria-labelledby="chat-title">
      <ChatHeader conv={conv} onInfo={() => setInfoOpen(!infoOpen)} infoOpen={infoOpen} />
      {infoOpen && conv.startsWith('g:') && <GroupInfo conv={conv} onClose={() => setInfoOpen(false)} />}
      <MessageList conv={conv} onAction={setMode} />
      <TypingLine conv={conv} />
      <Composer conv={conv} mode={mode} onDone={() => setMode(undefined)} />
    </section>
  );
}
