import { randomBytes } from 'node:crypto';
import { GROUP_MAX_USERS_PER_CALL, PROTOCOL_VERSION, type ErrorBody, type ResultData } from '@warbler/protocol';
import WebSocket from 'ws';

/** Most users one `POST /api/admin/users` may create (the server's ADMIN_MAX_USERS). */
export const USERS_PER_REQUEST = 1000;
const LOGIN_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 120_000;
/** Groups created at once (one owner connection each). */
const GROUP_CONCURRENCY = 8;

/** A bench user: its id and a device token for auth.resume. */
export interface BenchUser {
  id: number;
  token: string;
}

/** A problem provisioning users (the run cannot go on). */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

/** http(s)://host:port of a ws(s):// URL: where the admin API lived before the admin listener. */
export function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
}

/** A prefix for this run's usernames: a letter and 9 base-36 characters, fresh for every run. */
export function runTag(): string {
  const t = Date.now().toString(36).slice(-6);
  const r = [...randomBytes(3)].map((b) => (b % 36).toString(36)).join('');
  return `b${t}${r}`;
}

/** Logs in as the admin over WebSocket (hello, auth.login) and returns the device token. */
export function adminLogin(wsUrl: string, username: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const fail = (why: string) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new ProvisionError(`admin login as ${username} failed: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${LOGIN_TIMEOUT_MS} ms`), LOGIN_TIMEOUT_MS);
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, op: 'hello', data: { protocol: PROTOCOL_VERSION, client: 'warbler-bench' } }));
      ws.send(JSON.stringify({ id: 2, op: 'auth.login', data: { username, password, device: 'warbler-bench admin' } }));
    });
    ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as { id?: number; ok?: boolean; data?: Partial<ResultData<'auth.login'>>; error?: ErrorBody };
      if (f.id === 1 && !f.ok) fail(`hello: ${f.error?.code}`);
      if (f.id !== 2) return;
      if (!f.ok || typeof f.data?.token !== 'string') return fail(f.error?.code ?? 'no token');
      clearTimeout(timer);
      ws.close(1000);
      resolve(f.data.token);
    });
    ws.on('error', (e) => fail(e.message));
  });
}

/**
 * Creates users `${tag}u0` … through the bulk admin API at `adminBase` (http://host:port), 1000 per
 * request, each with a device token: `POST /api/admin/users` `{ users, issueTokens: true, device: "bench" }`.
 */
export async function provisionUsers(
  adminBase: string,
  adminToken: string,
  tag: string,
  count: number,
  onBatch: (done: number) => void = () => undefined,
): Promise<BenchUser[]> {
  const url = `${adminBase}/api/admin/users`;
  const out: BenchUser[] = [];
  for (let start = 0; start < count; start += USERS_PER_REQUEST) {
    const n = Math.min(USERS_PER_REQUEST, count - start);
    const users = Array.from({ length: n }, (_, i) => ({ username: `${tag}u${start + i}` }));
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ users, issueTokens: true, device: 'bench' }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new ProvisionError(`POST ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    if (res.status !== 200) throw new ProvisionError(`POST ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { users?: { id: number; username: string; token?: string }[] };
    if (!Array.isArray(body.users) || body.users.length !== n)
      throw new ProvisionError(`POST ${url}: expected ${n} users, got ${text.slice(0, 200)}`);
    for (const u of body.users) {
      if (typeof u.token !== 'string') throw new ProvisionError(`POST ${url}: user ${u.username} came without a token`);
      out.push({ id: u.id, token: u.token });
    }
    onBatch(out.length);
  }
  return out;
}

/** A group to create: its owner (who creates it) and the other members. */
export interface GroupPlan {
  owner: BenchUser;
  others: number[];
}

/**
 * Creates each planned group as its owner: connects with the owner's token, `group.create` with the
 * first 1000 other members, `group.add` for the rest, 1000 at a time; named `${tag}g<n>`. Groups are
 * made before their members connect, so nobody online receives the `created` and `added` events.
 * Resolves with the conversation ids, in plan order.
 */
export async function createGroups(wsUrl: string, tag: string, plans: GroupPlan[]): Promise<string[]> {
  const convs = new Array<string>(plans.length);
  let next = 0;
  const lane = async () => {
    while (next < plans.length) {
      const i = next++;
      convs[i] = await createGroup(wsUrl, `${tag}g${i}`, plans[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, plans.length) }, lane));
  return convs;
}

function createGroup(wsUrl: string, name: string, plan: GroupPlan): Promise<string> {
  const chunks: number[][] = [];
  for (let i = 0; i < plan.others.length; i += GROUP_MAX_USERS_PER_CALL) chunks.push(plan.others.slice(i, i + GROUP_MAX_USERS_PER_CALL));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    let conv = '';
    let step = 0;
    const fail = (why: string) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new ProvisionError(`creating group ${name} (owner ${plan.owner.id}) failed: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${REQUEST_TIMEOUT_MS} ms`), REQUEST_TIMEOUT_MS);
    const request = (op: string, data: unknown) => ws.send(JSON.stringify({ id: ++step + 2, op, data }));
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, op: 'hello', data: { protocol: PROTOCOL_VERSION, client: 'warbler-bench' } }));
      ws.send(JSON.stringify({ id: 2, op: 'auth.resume', data: { token: plan.owner.token } }));
    });
    ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as { id?: number; ev?: string; ok?: boolean; data?: Record<string, unknown>; error?: ErrorBody };
      if (f.ev !== undefined) return; // the group's own events
      if (!f.ok)
        return fail(`${f.id === 1 ? 'hello' : f.id === 2 ? 'auth.resume' : step === 1 ? 'group.create' : 'group.add'}: ${f.error?.code}`);
      if (f.id === 2) return request('group.create', { name, members: chunks[0] ?? [] });
      if (f.id === 3) conv = String((f.data as ResultData<'group.create'>).group.conv);
      if (typeof f.id !== 'number' || f.id < 3) return;
      if (step < chunks.length) return request('group.add', { conv, users: chunks[step] });
      clearTimeout(timer);
      ws.close(1000);
      resolve(conv);
    });
    ws.on('error', (e) => fail(e.message));
  });
}
