import type { Redis } from 'ioredis';
import type { OnlineDevice, OnlineRegistry } from './online.js';

/**
 * The online registry on Redis, one instance per node (on that node's command connection). Keys, under
 * the deployment's prefix `p`:
 * - `p u:<user>`: a hash, field `<node>|<device>` → connections: who is online where (empty: offline);
 * - `p n:<node>`: the same entries by node, field `<user>|<device>`: what to remove when the node goes;
 * - `p nodes`: the set of registered nodes; `p alive:<node>`: the node's liveness key, with a TTL
 *   (`ttlMs`) the node renews every third of it.
 * Every change is one Lua script, so the first/last answers are exact under any number of nodes.
 *
 * **Failure.** Every node sweeps (every third of the TTL): a registered node whose liveness key is gone
 * is dropped, atomically, by whichever node's script runs first; that node gets the users left offline
 * everywhere and announces them (`onGone`). So a killed node's users are offline everywhere within the
 * TTL plus a third.
 *
 * **This node's entries are kept here too** (`holds`): they are what the bus filters `deliver` by, and
 * the truth the Redis copy is rebuilt from (`rebuild`) whenever the link comes back or the node finds
 * itself dropped (an outage or a stall longer than the TTL). While Redis is unreachable, changes are
 * recorded here and the answers are this node's alone (first/last connection on this node; who is
 * online here).
 */
export class RedisOnlineRegistry implements OnlineRegistry {
  /**
   * This node's entries: user → [device, connections, device, connections, …]. A flat array, not a map:
   * users have few devices, and this counts in every connection's memory.
   */
  private readonly mine = new Map<number, number[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly node: string,
    private readonly ttlMs: number,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  }

  /** The set of registered nodes (the bus's `publishApplied` waits for them). */
  get nodesKey(): string {
    return `${this.prefix}nodes`;
  }

  /**
   * Registers this node (entries: those recorded here) and starts renewing and sweeping.
   * `onGone`: users a sweep found offline everywhere (a dead node's); `onDropped`: this node had been
   * dropped (its entries are back, but the others announced its users offline meanwhile).
   */
  async start(onGone: (users: number[]) => void, onDropped: () => void, onError: (err: unknown) => void): Promise<void> {
    await this.rebuild();
    this.timer = setInterval(() => void this.tick(onGone, onDropped).catch(onError), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async tick(onGone: (users: number[]) => void, onDropped: () => void): Promise<void> {
    if (this.redis.status !== 'ready') return;
    if (!(await this.call<number>('warblerRenew', this.prefix, this.node, this.ttlMs))) {
      await this.rebuild();
      onDropped();
    }
    const gone = await this.call<string[]>('warblerSweep', this.prefix, this.node);
    if (gone.length > 0) onGone(gone.map(Number));
  }

  /** Stops renewing (the node leaves: `dropNode(node)` next, or it is swept once its key expires). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Replaces this node's entries in Redis by those recorded here, and renews its liveness key. */
  rebuild(): Promise<unknown> {
    const args: (string | number)[] = [this.prefix, this.node, this.ttlMs];
    for (const [user, pairs] of this.mine) for (let i = 0; i < pairs.length; i += 2) args.push(user, pairs[i]!, pairs[i + 1]!);
    return this.call('warblerRebuild', ...args);
  }

  /** Whether `user` has a connection on this node (synchronous: the bus's deliver filter). */
  holds(user: number): boolean {
    return this.mine.has(user);
  }

  async connect(node: string, user: number, device: number): Promise<boolean> {
    let firstHere = false;
    if (node === this.node) {
      const pairs = this.mine.get(user);
      firstHere = !pairs;
      if (!pairs) this.mine.set(user, [device, 1]);
      else {
        const i = indexOf(pairs, device);
        if (i < 0) pairs.push(device, 1);
        else pairs[i + 1]!++;
      }
    }
    const r = await this.call<number>('warblerConnect', this.prefix, node, user, device).catch(() => (firstHere ? 1 : 0));
    return r === 1;
  }

  async disconnect(node: string, user: number, device: number): Promise<boolean> {
    let lastHere = false;
    if (node === this.node) {
      const pairs = this.mine.get(user);
      const i = pairs ? indexOf(pairs, device) : -1;
      if (!pairs || i < 0) return false;
      if (pairs[i + 1]! > 1) pairs[i + 1]!--;
      else pairs.splice(i, 2);
      lastHere = pairs.length === 0;
      if (lastHere) this.mine.delete(user);
    }
    const r = await this.call<number>('warblerDisconnect', this.prefix, node, user, device).catch(() => (lastHere ? 1 : 0));
    return r === 1;
  }

  async onlineAmong(users: readonly number[]): Promise<Set<number>> {
    if (users.length === 0) return new Set();
    try {
      const flags = await this.call<number[]>('warblerOnlineAmong', this.prefix, ...users);
      return new Set(users.filter((_, i) => flags[i] === 1));
    } catch {
      return new Set(users.filter((u) => this.mine.has(u)));
    }
  }

  async devicesOf(user: number): Promise<OnlineDevice[]> {
    try {
      const fields = await this.redis.hkeys(`${this.prefix}u:${user}`);
      return fields.map((f) => {
        const i = f.lastIndexOf('|');
        return { node: f.slice(0, i), device: Number(f.slice(i + 1)) };
      });
    } catch {
      const pairs = this.mine.get(user) ?? [];
      return pairs.filter((_, i) => i % 2 === 0).map((device) => ({ device, node: this.node }));
    }
  }

  async dropNode(node: string): Promise<number[]> {
    if (node === this.node) this.mine.clear();
    return (await this.call<string[]>('warblerDrop', this.prefix, node)).map(Number);
  }

  /** Runs one of SCRIPTS (defined on the connection at construction). */
  private call<T>(script: keyof typeof SCRIPTS, ...args: (string | number)[]): Promise<T> {
    return (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[script]!(...args);
  }
}

/** Where `device` is in a flat [device, connections, …] array, or -1. */
function indexOf(pairs: readonly number[], device: number): number {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === device) return i;
  return -1;
}

/**
 * Removes node ARGV[2]'s entries (prefix ARGV[1]) and unregisters it; appends the users it leaves
 * offline everywhere to `gone`. Shared by the drop and the sweep scripts.
 */
const DROP = `
local function drop(p, node, gone)
  local nk = p .. 'n:' .. node
  local seen = {}
  for _, f in ipairs(redis.call('HKEYS', nk)) do
    local sep = string.find(f, '|', 1, true)
    local user = string.sub(f, 1, sep - 1)
    local uk = p .. 'u:' .. user
    redis.call('HDEL', uk, node .. '|' .. string.sub(f, sep + 1))
    if not seen[user] and redis.call('EXISTS', uk) == 0 then
      seen[user] = true
      gone[#gone + 1] = user
    end
  end
  redis.call('DEL', nk, p .. 'alive:' .. node)
  redis.call('SREM', p .. 'nodes', node)
end
`;

/**
 * The registry's scripts. Their keys are computed inside (from the prefix and ids), which a Redis
 * Cluster would refuse; one Redis (with Sentinel for failover) is what the bus supports.
 */
const SCRIPTS = {
  // ARGV: prefix, node, user, device → 1 when the user had no entry anywhere before.
  warblerConnect: `
local p, node, user, device = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local uk = p .. 'u:' .. user
local existed = redis.call('EXISTS', uk)
redis.call('HINCRBY', uk, node .. '|' .. device, 1)
redis.call('HINCRBY', p .. 'n:' .. node, user .. '|' .. device, 1)
return 1 - existed`,
  // ARGV: prefix, node, user, device → 1 when that was the user's last entry anywhere.
  warblerDisconnect: `
local p, node, user, device = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local uk, nk = p .. 'u:' .. user, p .. 'n:' .. node
local f, g = node .. '|' .. device, user .. '|' .. device
local n = tonumber(redis.call('HGET', uk, f) or '0')
if n <= 0 then return 0 end
if n > 1 then
  redis.call('HINCRBY', uk, f, -1)
  redis.call('HINCRBY', nk, g, -1)
  return 0
end
redis.call('HDEL', uk, f)
redis.call('HDEL', nk, g)
return 1 - redis.call('EXISTS', uk)`,
  // ARGV: prefix, users… → 1 or 0 per user.
  warblerOnlineAmong: `
local out = {}
for i = 2, #ARGV do out[#out + 1] = redis.call('EXISTS', ARGV[1] .. 'u:' .. ARGV[i]) end
return out`,
  // ARGV: prefix, node → the users left offline everywhere.
  warblerDrop: `${DROP}
local gone = {}
drop(ARGV[1], ARGV[2], gone)
return gone`,
  // ARGV: prefix, self → drops every registered node (but self) whose liveness key expired.
  warblerSweep: `${DROP}
local p, self = ARGV[1], ARGV[2]
local gone = {}
for _, node in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  if node ~= self and redis.call('EXISTS', p .. 'alive:' .. node) == 0 then drop(p, node, gone) end
end
return gone`,
  // ARGV: prefix, node, ttl → 0 when the node is no longer registered (it was dropped), else renews.
  warblerRenew: `
local p, node = ARGV[1], ARGV[2]
if redis.call('SISMEMBER', p .. 'nodes', node) == 0 then return 0 end
redis.call('SET', p .. 'alive:' .. node, '1', 'PX', ARGV[3])
return 1`,
  // ARGV: prefix, node, ttl, then (user, device, connections)… → replaces the node's entries by these.
  warblerRebuild: `
local p, node = ARGV[1], ARGV[2]
local nk = p .. 'n:' .. node
for _, f in ipairs(redis.call('HKEYS', nk)) do
  local sep = string.find(f, '|', 1, true)
  redis.call('HDEL', p .. 'u:' .. string.sub(f, 1, sep - 1), node .. '|' .. string.sub(f, sep + 1))
end
redis.call('DEL', nk)
for i = 4, #ARGV, 3 do
  redis.call('HSET', p .. 'u:' .. ARGV[i], node .. '|' .. ARGV[i + 1], ARGV[i + 2])
  redis.call('HSET', nk, ARGV[i] .. '|' .. ARGV[i + 1], ARGV[i + 2])
end
redis.call('SADD', p .. 'nodes', node)
redis.call('SET', p .. 'alive:' .. node, '1', 'PX', ARGV[3])
return 1`,
} as const;
