import { AUDIT_EVENTS, isAuditEvent, type AdminAuditResult, type AuditEvent } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { AuditFilter } from '../store/audit-store.js';
import type { AdminCall, AdminRoute } from './admin.js';

/** Most entries one page returns, and how many when `limit` is not given. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** `event=a,b`: events of AUDIT_EVENTS, comma-separated. */
function events(value: string | undefined): AuditEvent[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',');
  const bad = list.find((e) => !isAuditEvent(e));
  if (bad !== undefined)
    throw new WarblerError('invalid_parameter', `unknown event ${JSON.stringify(bad)}; use ${AUDIT_EVENTS.join(', ')}`);
  return list as AuditEvent[];
}

/** `GET /api/admin/audit?user=&event=&since=&until=&before=&limit=`: newest first. */
async function queryAudit({ query, deps }: AdminCall): Promise<AdminAuditResult> {
  const filter: AuditFilter = { limit: (query.int('limit', 1, MAX_PAGE) ?? DEFAULT_PAGE) + 1 };
  const userId = query.int('user', 1, Number.MAX_SAFE_INTEGER);
  const ev = events(query.string('event'));
  const since = query.time('since');
  const until = query.time('until');
  const before = query.int('before', 1, Number.MAX_SAFE_INTEGER);
  if (userId !== undefined) filter.userId = userId;
  if (ev !== undefined) filter.events = ev;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (before !== undefined) filter.before = before;
  if (since !== undefined && until !== undefined && since >= until)
    throw new WarblerError('invalid_parameter', 'since must be before until');
  const rows = await deps.audit.query(filter);
  const entries = rows.slice(0, filter.limit - 1);
  return { entries, ...(rows.length > entries.length ? { next: entries.at(-1)!.id } : {}) };
}

export const AUDIT_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: /^\/api\/admin\/audit$/,
    scope: 'audit:read',
    query: ['user', 'event', 'since', 'until', 'before', 'limit'],
    handle: queryAudit,
  },
];
