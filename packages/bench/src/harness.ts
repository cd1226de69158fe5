import type { BenchOptions } from './options.js';
import { cpuPlacement, pinSelf, type CpuPlacement } from './placement.js';
import type { Prefilled } from './prefill.js';
import { adminLogin, createGroups, provisionUsers, runTag, type BenchUser, type GroupPlan } from './provision.js';
import { spawnRelay } from './relay-process.js';
import { spawnServer, type SpawnedServer } from './server-process.js';

/** How the server under test was reached, for the report. */
export interface ServerInfo {
  /** Warbler, or the bare relay (the same-hour reference). */
  against: 'warbler' | 'relay';
  url: string;
  spawned: boolean;
  pid: number | null;
  pinnedCpus: string | null;
  loadCpus: string | null;
  /** Environment given to the spawned server (rate limits raised for the load, --server-env). */
  env: Record<string, string>;
}

/**
 * What every scenario of an invocation shares: the server (spawned or given), an admin token for
 * provisioning, and where processes run. `suite` runs several scenarios on one harness.
 */
export class Harness {
  private tagSeq = 0;
  private readonly tag = runTag();
  /** What the client-mix scenarios keep between the trials (rates) of one server: see mix-population.ts. */
  population: unknown;

  private constructor(
    readonly opts: BenchOptions,
    readonly placement: CpuPlacement,
    readonly info: ServerInfo,
    private readonly adminToken: string,
    private readonly spawned: SpawnedServer | undefined,
    /** The store the spawned server started on, when pre-filled. */
    readonly prefilled: Prefilled | undefined,
  ) {}

  get target(): 'warbler' | 'relay' {
    return this.info.against;
  }

  /**
   * Starts (with --spawn) or reaches the server and logs in as its admin. `target` relay spawns the
   * bare relay instead; `prefilled` starts the spawned server on a copy of that store. A second
   * harness of the same invocation must reuse the first one's `placement`: this process is pinned to
   * the load's CPUs by then, and would find only those.
   */
  static async open(
    opts: BenchOptions,
    serverEnv: Record<string, string>,
    log: (s: string) => void,
    more: { target?: 'warbler' | 'relay'; prefilled?: Prefilled | undefined; placement?: CpuPlacement | undefined } = {},
  ): Promise<Harness> {
    const target = more.target ?? 'warbler';
    const prefilled = more.prefilled;
    const placement = more.placement ?? cpuPlacement(opts.pin && opts.spawn);
    let spawned: SpawnedServer | undefined;
    if (opts.spawn && target === 'relay') {
      spawned = await spawnRelay({ placement, adminUser: opts.adminUser });
      pinSelf(placement);
      log(
        `spawned the relay pid ${spawned.pid} on ${spawned.wsUrl}${placement.serverCpus ? `, pinned to CPU ${placement.serverCpus}` : ''}`,
      );
    } else if (opts.spawn) {
      const t0 = Date.now();
      spawned = await spawnServer({
        placement,
        env: serverEnv,
        adminUser: opts.adminUser,
        keepData: opts.keepData,
        nodeArgs: opts.serverNodeArgs,
        ...(opts.serverCli === undefined ? {} : { cli: opts.serverCli }),
        ...(prefilled ? { seedDir: prefilled.dataDir } : {}),
      });
      pinSelf(placement);
      log(
        `spawned server pid ${spawned.pid} on ${spawned.wsUrl} (data ${spawned.dataDir}${prefilled ? `: a copy of the store with ${prefilled.fill.messages} messages, started in ${Date.now() - t0} ms` : ''})${placement.serverCpus ? `, pinned to CPU ${placement.serverCpus}` : ''}`,
      );
    }
    const url = spawned?.wsUrl ?? opts.url!;
    try {
      const token = opts.adminToken ?? (await adminLogin(url, opts.adminUser, spawned?.adminPassword ?? opts.adminPassword!));
      const info: ServerInfo = {
        against: target,
        url,
        spawned: spawned !== undefined,
        pid: spawned?.pid ?? opts.serverPid ?? null,
        pinnedCpus: spawned ? (placement.serverCpus ?? null) : null,
        loadCpus: placement.loadCpus ?? null,
        env: spawned && target === 'warbler' ? serverEnv : {},
      };
      return new Harness(opts, placement, info, token, spawned, target === 'warbler' ? prefilled : undefined);
    } catch (e) {
      await spawned?.stop();
      throw e;
    }
  }

  /** Creates `count` fresh users with device tokens (bulk admin API). */
  provision(count: number, log: (s: string) => void): Promise<BenchUser[]> {
    const tag = `${this.tag}${(this.tagSeq++).toString(36)}`;
    const t0 = Date.now();
    return provisionUsers(this.info.url, this.adminToken, tag, count).then((users) => {
      log(`provisioned ${users.length} users in ${Date.now() - t0} ms`);
      return users;
    });
  }

  /** Creates one group per plan (each by its owner, over WebSocket); resolves with their conversation ids. */
  createGroups(plans: GroupPlan[]): Promise<string[]> {
    return createGroups(this.info.url, `${this.tag}${(this.tagSeq++).toString(36)}`, plans);
  }

  /** The server's log tail, when spawned (for failures). */
  serverLog(): string {
    return this.spawned?.stderrTail() ?? '';
  }

  async close(): Promise<void> {
    await this.spawned?.stop();
  }
}
