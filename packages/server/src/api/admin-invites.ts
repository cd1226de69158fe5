import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LIMITS, type AdminCreateInviteResult, type AdminInvite } from '@warbler/protocol';
import { AdminCreateInviteBody, AdminRevokeInviteBody, describeFailure } from '@warbler/protocol/schemas';
import { WarblerError } from '../errors.js';
import type { AdminCall, AdminRoute } from './admin.js';
import { readJson } from './http-json.js';

const checkCreate = TypeCompiler.Compile(AdminCreateInviteBody);
const checkRevoke = TypeCompiler.Compile(AdminRevokeInviteBody);
const MAX_BODY = 64 * 1024;

/** `GET /api/admin/invites?limit=&before=`: invites newest first (`limit` 1–500, `before` an id). */
async function listInvites({ query, deps }: AdminCall): Promise<{ invites: AdminInvite[]; more: boolean }> {
  const limit = query.int('limit', 1, LIMITS.maxPage) ?? LIMITS.defaultPage;
  const before = query.int('before', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const list = await deps.invites.list(limit + 1, before);
  return { invites: list.slice(0, limit), more: list.length > limit };
}

/** `POST /api/admin/invites`: makes an invite; the result carries its code, shown this once. */
async function createInvite({ req, deps, by }: AdminCall): Promise<AdminCreateInviteResult> {
  const body = await readJson(req, MAX_BODY);
  if (!checkCreate.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkCreate, body, 'body'));
  const made = await deps.invites.create(body, null);
  deps.audit.record({ event: 'invite.create', actor: by.actor, ip: by.ip, detail: { invite: made.invite.id, uses: made.invite.maxUses } });
  return made;
}

/** `POST /api/admin/invites/revoke` with `{ "id": n }`: the invite admits nobody from then on. */
async function revokeInvite({ req, deps, by }: AdminCall): Promise<{ invite: AdminInvite }> {
  const body = await readJson(req, MAX_BODY);
  if (!checkRevoke.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkRevoke, body, 'body'));
  const invite = await deps.invites.revoke(body.id, null);
  deps.audit.record({ event: 'invite.revoke', actor: by.actor, ip: by.ip, detail: { invite: invite.id } });
  return { invite };
}

/** The invite routes (`auth.registration` = `invite`); all need `invites:write`. */
export const INVITE_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: /^\/api\/admin\/invites$/, scope: 'invites:write', query: ['limit', 'before'], handle: listInvites },
  { method: 'POST', path: /^\/api\/admin\/invites$/, scope: 'invites:write', handle: createInvite },
  { method: 'POST', path: /^\/api\/admin\/invites\/revoke$/, scope: 'invites:write', handle: revokeInvite },
];
