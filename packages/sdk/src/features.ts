import type { Op, RequestData, ResultData } from '@warbler/protocol';

/** Sends one request and resolves with its result: what `WarblerClient.request` does. */
export type Requester = <O extends Op>(op: O, data: RequestData<O>) => Promise<ResultData<O>>;

// The client's namespaced ops, one small object per feature, each built on the client's `request`.
/**
 * Group ops (docs/protocol.md, Groups). Each takes the op's data and resolves with its result.
 * @example const { group } = await c.groups.create({ name: 'Team', members: [2, 3] });
 */
export function groupOps(request: Requester) {
  return {
    create: (d: RequestData<'group.create'>) => request('group.create', d),
    get: (conv: string) => request('group.get', { conv }),
    members: (d: RequestData<'group.members'>) => request('group.members', d),
    update: (d: RequestData<'group.update'>) => request('group.update', d),
    dissolve: (conv: string) => request('group.dissolve', { conv }),
    add: (conv: string, users: number[]) => request('group.add', { conv, users }),
    remove: (conv: string, users: number[]) => request('group.remove', { conv, users }),
    leave: (conv: string) => request('group.leave', { conv }),
    join: (conv: string, message?: string) => request('group.join', { conv, ...(message !== undefined ? { message } : {}) }),
    requests: (conv: string) => request('group.requests', { conv }),
    approve: (conv: string, user: number, accept = true) => request('group.approve', { conv, user, accept }),
    role: (conv: string, user: number, role: 'admin' | 'member') => request('group.role', { conv, user, role }),
    transfer: (conv: string, user: number) => request('group.transfer', { conv, user }),
    mute: (conv: string, user: number, seconds: number) => request('group.mute', { conv, user, seconds }),
  };
}

/** Friends and friend requests (docs/protocol.md, Contacts and profiles). */
export function friendOps(request: Requester) {
  return {
    request: (user: number, message?: string) => request('friend.request', { user, ...(message !== undefined ? { message } : {}) }),
    accept: (user: number) => request('friend.accept', { user }),
    decline: (user: number) => request('friend.decline', { user }),
    remove: (user: number) => request('friend.remove', { user }),
    list: (d: RequestData<'friend.list'> = {}) => request('friend.list', d),
    requests: (d: RequestData<'friend.requests'> = {}) => request('friend.requests', d),
  };
}

/** Blocking: a blocked user cannot send to or befriend the blocker. */
export function blockOps(request: Requester) {
  return {
    add: (user: number) => request('block.add', { user }),
    remove: (user: number) => request('block.remove', { user }),
    list: (d: RequestData<'block.list'> = {}) => request('block.list', d),
  };
}

/** The user's own profile and privacy settings, and finding other users. */
export function profileOps(request: Requester) {
  return {
    update: (d: RequestData<'profile.update'>) => request('profile.update', d),
    privacy: (d: RequestData<'privacy.update'> = {}) => request('privacy.update', d),
    search: (q: string, limit?: number) => request('user.search', { q, ...(limit !== undefined ? { limit } : {}) }),
    /** One user, by id or username (`user.get`). */
    get: (who: RequestData<'user.get'>) => request('user.get', who),
  };
}

/**
 * Presence: watch users to get their state now and `presence` events as it changes. Watches belong to
 * the connection: after a reconnect, watch again (the `reconnected` event says when).
 */
export function presenceOps(request: Requester) {
  return {
    watch: (users: number[]) => request('presence.watch', { users }),
    unwatch: (users: number[]) => request('presence.unwatch', { users }),
  };
}

/**
 * The user's devices (logged-in sessions). Revoking one closes its connections with 4101 (this one too
 * when it is the current device: `authLost` follows). The protocol has no op to rename a device: name
 * it at login (`ClientOptions.device`).
 */
export function deviceOps(request: Requester) {
  return {
    list: () => request('device.list', {}),
    revoke: (deviceId: number) => request('device.revoke', { deviceId }),
  };
}
