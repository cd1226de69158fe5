import { Type } from '@sinclair/typebox';
import { LIMITS, type AdminCreateInviteResult, type AdminInvite } from '@warbler/protocol';
import { AdminCreateInviteBody, AdminRevokeInviteBody } from '@warbler/protocol/schemas';
import { CreateInviteResult, InviteResult, ListInvitesResult } from './admin-schemas.js';
import { adminRoute, type AdminRoute } from './admin-route.js';
import { IntParam } from './query.js';

const MAX_BODY = 64 * 1024;

const ListQuery = Type.Object({
  limit: Type.Optional(IntParam(1, LIMITS.maxPage, `most invites (default ${LIMITS.defaultPage})`)),
  before: Type.Optional(IntParam(0, Number.MAX_SAFE_INTEGER, 'invites with a smaller id (default 0: from the newest)')),
});

/** The invite routes (`auth.registration` = `invite`); all need `invites:write`. */
export const INVITE_ROUTES: readonly AdminRoute[] = [
  adminRoute({
    method: 'GET',
    url: '/api/admin/invites',
    summary: 'Lists invites, newest first, paged.',
    scope: 'invites:write',
    query: ListQuery,
    response: ListInvitesResult,
    handle: async ({ query, deps }): Promise<{ invites: AdminInvite[]; more: boolean }> => {
      const limit = query.limit ?? LIMITS.defaultPage;
      const list = await deps.invites.list(limit + 1, query.before ?? 0);
      return { invites: list.slice(0, limit), more: list.length > limit };
    },
  }),
  adminRoute({
    method: 'POST',
    url: '/api/admin/invites',
    summary: 'Makes an invite; the result carries its code, shown this once.',
    scope: 'invites:write',
    body: AdminCreateInviteBody,
    bodyLimit: MAX_BODY,
    response: CreateInviteResult,
    handle: async ({ body, deps, by }): Promise<AdminCreateInviteResult> => {
      const made = await deps.invites.create(body, null);
      deps.audit.record({
        event: 'invite.create',
        actor: by.actor,
        ip: by.ip,
        detail: { invite: made.invite.id, uses: made.invite.maxUses },
      });
      return made;
    },
  }),
  adminRoute({
    method: 'POST',
    url: '/api/admin/invites/revoke',
    summary: 'Revokes an invite: it admits nobody from then on.',
    scope: 'invites:write',
    body: AdminRevokeInviteBody,
    bodyLimit: MAX_BODY,
    response: InviteResult,
    handle: async ({ body, deps, by }): Promise<{ invite: AdminInvite }> => {
      const invite = await deps.invites.revoke(body.id, null);
      deps.audit.record({ event: 'invite.revoke', actor: by.actor, ip: by.ip, detail: { invite: invite.id } });
      return { invite };
    },
  }),
];
