import type { Handlers } from './handler.js';

/** The user's own account and devices, and looking up other users. */
export const accountHandlers: Handlers<'account.password' | 'device.list' | 'device.revoke' | 'user.get'> = {
  'account.password': async (s, data) => ({
    revokedDevices: await s.ctx.accounts.changePassword(s.me.user.id, s.me.deviceId, data.oldPassword, data.newPassword, s.ip),
  }),
  'device.list': async (s) => ({ devices: await s.ctx.accounts.listDevices(s.me.user.id, s.me.deviceId) }),
  'device.revoke': async (s, data) => {
    await s.ctx.accounts.revokeDevice(s.me.user.id, data.deviceId, s.ip);
    return {};
  },
  'user.get': async (s, data) => ({ user: await s.ctx.lookups.getUser(s.me.user.id, data) }),
};
