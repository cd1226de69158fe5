import { Type } from '@sinclair/typebox';
import { AUDIT_EVENTS, isAuditEvent, type AdminAuditResult, type AuditEvent } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { AuditFilter } from '../store/audit-store.js';
import { AuditResult } from './admin-schemas.js';
import { adminRoute, type AdminRoute } from './admin-route.js';
import { IntParam, TimeParam } from './query.js';

/** Most entries one page returns, and how many when `limit` is not given. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const AuditQuery = Type.Object({
  user: Type.Optional(IntParam(1, Number.MAX_SAFE_INTEGER, 'entries of this account')),
  event: Type.Optional(Type.String({ description: `events, comma-separated: ${AUDIT_EVENTS.join(', ')}` })),
  since: Type.Optional(TimeParam('entries at or after')),
  until: Type.Optional(TimeParam('entries before')),
  before: Type.Optional(IntParam(1, Number.MAX_SAFE_INTEGER, 'entries with a smaller id (the previous page’s `next`)')),
  limit: Type.Optional(IntParam(1, MAX_PAGE, `most entries (default ${DEFAULT_PAGE})`)),
});

/** `event=a,b`: events of AUDIT_EVENTS, comma-separated. */
function events(value: string | undefined): AuditEvent[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',');
  const bad = list.find((e) => !isAuditEvent(e));
  if (bad !== undefined)
    throw new WarblerError('invalid_parameter', `unknown event ${JSON.stringify(bad)}; use ${AUDIT_EVENTS.join(', ')}`);
  return list as AuditEvent[];
}

export const AUDIT_ROUTES: readonly AdminRoute[] = [
  adminRoute({
    method: 'GET',
    url: '/api/admin/audit',
    summary: 'Reads the audit log, newest first, filtered and paged.',
    scope: 'audit:read',
    query: AuditQuery,
    response: AuditResult,
    handle: async ({ query, deps }): Promise<AdminAuditResult> => {
      const filter: AuditFilter = { limit: (query.limit ?? DEFAULT_PAGE) + 1 };
      const ev = events(query.event);
      const { user, since, until, before } = query;
      if (user !== undefined) filter.userId = user;
      if (ev !== undefined) filter.events = ev;
      if (since !== undefined) filter.since = since;
      if (until !== undefined) filter.until = until;
      if (before !== undefined) filter.before = before;
      if (since !== undefined && until !== undefined && since >= until)
        throw new WarblerError('invalid_parameter', 'since must be before until');
      const rows = await deps.audit.query(filter);
      const entries = rows.slice(0, filter.limit - 1);
      return { entries, ...(rows.length > entries.length ? { next: entries.at(-1)!.id } : {}) };
    },
  }),
];
