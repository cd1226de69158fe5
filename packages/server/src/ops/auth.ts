import type { Handlers } from './handler.js';

/** Registration, login, token resume and refresh, logout. */
export const authHandlers: Handlers<'auth.register' | 'auth.login' | 'auth.resume' | 'auth.refresh' | 'auth.logout'> = {
  'auth.register': async (s, data) => {
    s.ctx.hooks.beforeLogin({ op: 'auth.register', username: data.username, ip: s.ip });
    const issued = await s.ctx.accounts.register(data, s.ip);
    s.authenticate(issued);
    return issued;
  },
  'auth.login': async (s, data) => {
    s.ctx.hooks.beforeLogin({ op: 'auth.login', username: data.username, ip: s.ip });
    const issued = await s.ctx.accounts.login(data, s.ip);
    s.authenticate(issued);
    return issued;
  },
  'auth.resume': async (s, data) => {
    const identity = await s.ctx.accounts.resume(data.token);
    s.authenticate(identity);
    return identity;
  },
  'auth.refresh': async (s) => {
    const r = await s.ctx.accounts.refresh(s.me.deviceId);
    s.me.expiresAt = r.expiresAt;
    return r;
  },
  'auth.logout': async (s) => {
    await s.ctx.accounts.logout(s.me.user.id, s.me.deviceId, s.ip);
    // Answer first, then close with the do-not-reconnect code.
    setImmediate(() => s.end('logged_out'));
    return {};
  },
};
