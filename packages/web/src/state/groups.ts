import type { GroupInfo, GroupJoinRequest, GroupMember } from '@warbler/protocol';
import { api } from './client.js';
import { loadConversations } from './conversations.js';
import { findUser, rememberUsers } from './users.js';

/** Every member of a group (pages of 500), remembered as known users. */
export async function loadMembers(conv: string): Promise<GroupMember[]> {
  const all: GroupMember[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await api().groups.members({ conv, limit: 500, ...(after !== undefined ? { after } : {}) });
    all.push(...page.members);
    if (!page.more || page.next === undefined) break;
    after = page.next;
  }
  rememberUsers(all.map((m) => m.user));
  return all;
}

/** Creates a group with the users named (usernames); resolves with its conversation id. */
export async function createGroup(name: string, usernames: string[]): Promise<{ conv: string; missing: string[] }> {
  const found = await Promise.all(usernames.map(async (u) => [u, await findUser(u)] as const));
  const missing = found.filter(([, user]) => !user).map(([u]) => u);
  const members = found.flatMap(([, user]) => (user ? [user.id] : []));
  const { group } = await api().groups.create({ name, members });
  await loadConversations();
  return { conv: group.conv, missing };
}

export const groupInfo = (conv: string): Promise<GroupInfo> =>
  api()
    .groups.get(conv)
    .then((r) => r.group);
export const joinRequests = (conv: string): Promise<GroupJoinRequest[]> =>
  api()
    .groups.requests(conv)
    .then((r) => r.requests);
export const setAnnouncement = (conv: string, announcement: string) => api().groups.update({ conv, announcement });

export async function addMember(conv: string, username: string): Promise<boolean> {
  const user = await findUser(username);
  if (!user) return false;
  await api().groups.add(conv, [user.id]);
  return true;
}
