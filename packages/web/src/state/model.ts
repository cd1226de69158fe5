import type { Conversation, Message, User } from '@warbler/protocol';

/** A message the user wrote that the server has not acknowledged yet (shown as "sending"). */
export interface PendingMessage {
  clientId: string;
  conv: string;
  text: string;
  replyTo?: { seq: number; from: number; text?: string };
  ts: number;
  /** The server refused it (the error code); it was not stored. */
  failed?: string;
}

/** The loaded part of one conversation's history, oldest first (content messages and group events). */
export interface ChatState {
  messages: Message[];
  /** Older messages exist on the server. */
  more: boolean;
  loading: boolean;
}

export interface PresenceView {
  online: boolean;
  lastSeen?: number;
}

/** Everything the app shows, in one immutable object (see store.ts). */
export interface AppState {
  auth: 'starting' | 'signedOut' | 'signedIn';
  /** Why the user was signed out, as an i18n key (e.g. the account was disabled). */
  signedOutReason?: string;
  me: User | null;
  connected: boolean;
  convs: Record<string, Conversation>;
  chats: Record<string, ChatState>;
  pending: PendingMessage[];
  users: Record<number, User>;
  presence: Record<number, PresenceView>;
  /** conv → user → until when (ms) they count as typing. */
  typing: Record<string, Record<number, number>>;
  /** Bumped by account events (friend requests, blocks) so the contacts view reloads. */
  contactsVersion: number;
}

export const initialState: AppState = {
  auth: 'starting',
  me: null,
  connected: false,
  convs: {},
  chats: {},
  pending: [],
  users: {},
  presence: {},
  typing: {},
  contactsVersion: 0,
};
