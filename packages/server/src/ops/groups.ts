import type { Handlers } from './handler.js';

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
  'group.create': (s, data) => s.ctx.groups.create(s.caller, data),
  'group.get': (s, data) => s.ctx.groups.get(s.caller, data),
  'group.members': (s, data) => s.ctx.groups.members(s.caller, data),
  'group.update': (s, data) => s.ctx.groups.update(s.caller, data),
  'group.dissolve': (s, data) => s.ctx.groups.dissolve(s.caller, data),
  'group.add': (s, data) => s.ctx.groups.add(s.caller, data),
  'group.remove': (s, data) => s.ctx.groups.remove(s.caller, data),
  'group.leave': (s, data) => s.ctx.groups.leave(s.caller, data),
  'group.join': (s, data) => s.ctx.groups.join(s.caller, data),
  'group.requests': (s, data) => s.ctx.groups.requests(s.caller, data),
  'group.approve': (s, data) => s.ctx.groups.approve(s.caller, data),
  'group.role': (s, data) => s.ctx.groups.setRole(s.caller, data),
  'group.transfer': (s, data) => s.ctx.groups.transfer(s.caller, data),
  'group.mute': (s, data) => s.ctx.groups.mute(s.caller, data),
};
