import type { Caller } from '../services/messaging.js';
import type { Session } from '../session/session.js';
import type { Handlers } from './handler.js';

const caller = (s: Session): Caller => ({ userId: s.me.user.id, connId: s.connId });

type GroupOp =
  | 'group.create'
  | 'group.get'
  | 'group.members'
  | 'group.update'
  | 'group.dissolve'
  | 'group.add'
  | 'group.remove'
  | 'group.leave'
  | 'group.join'
  | 'group.requests'
  | 'group.approve'
  | 'group.role'
  | 'group.transfer'
  | 'group.mute';

/** Groups: settings, membership, roles, join requests, mutes (services/groups.ts). */
export const groupHandlers: Handlers<GroupOp> = {
  'group.create': (s, data) => s.ctx.groups.create(caller(s), data),
  'group.get': (s, data) => s.ctx.groups.get(caller(s), data),
  'group.members': (s, data) => s.ctx.groups.members(caller(s), data),
  'group.update': (s, data) => s.ctx.groups.update(caller(s), data),
  'group.dissolve': (s, data) => s.ctx.groups.dissolve(caller(s), data),
  'group.add': (s, data) => s.ctx.groups.add(caller(s), data),
  'group.remove': (s, data) => s.ctx.groups.remove(caller(s), data),
  'group.leave': (s, data) => s.ctx.groups.leave(caller(s), data),
  'group.join': (s, data) => s.ctx.groups.join(caller(s), data),
  'group.requests': (s, data) => s.ctx.groups.requests(caller(s), data),
  'group.approve': (s, data) => s.ctx.groups.approve(caller(s), data),
  'group.role': (s, data) => s.ctx.groups.setRole(caller(s), data),
  'group.transfer': (s, data) => s.ctx.groups.transfer(caller(s), data),
  'group.mute': (s, data) => s.ctx.groups.mute(caller(s), data),
};
