import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BenchUser } from './provision.js';
import { SERVER_CLI } from './server-process.js';
import { conversationWeights, type PlanShape, type SocialPlan } from './social-plan.js';

/** The history of a pre-filled store spans this many days before the fill. */
const HISTORY_DAYS = 30;
/** Bumped when what the bench writes into a plan changes: older caches are then not reused. */
const CACHE_FORMAT = 2;

/** What the server's prefill tool writes next to the filled folder (packages/server/src/tools/prefill.ts). */
interface PrefillManifest {
  userIds: number[];
  groupConvs: string[];
  lastSeq: Record<string, number>;
  messages: number;
  seconds: number;
  rate: number;
  schemaVersion: number;
}

/** A filled store ready to be copied for a run, and the people in it. */
export interface Prefilled {
  /** The filled data folder (copied, never used in place). */
  dataDir: string;
  /** The plan's users in index order, with their device tokens. */
  users: BenchUser[];
  /** The plan's groups, in index order. */
  groupConvs: string[];
  /** Last sequence of every conversation with messages: where each member's client starts its cursors. */
  lastSeq: Record<string, number>;
  fill: { messages: number; seconds: number; rate: number; reused: boolean; cacheDir: string };
}

/** The server's prefill tool for a server build (its `cli.js`); this checkout's when the build has none. */
export function prefillTool(serverCli: string | undefined): string {
  const own = join(dirname(SERVER_CLI), 'tools', 'prefill.js');
  if (serverCli === undefined) return own;
  const theirs = join(dirname(serverCli), 'tools', 'prefill.js');
  return existsSync(theirs) ? theirs : own;
}

/**
 * The cache key of a fill: what shapes the stored data (the plan's shape and size, the messages, the
 * server build's migrations), never what only shapes the run's traffic.
 */
export function prefillKey(plan: SocialPlan, shape: PlanShape, messages: number, tool: string): string {
  const migrations = join(dirname(tool), '..', 'store', 'migrations.js');
  const schema = existsSync(migrations) ? createHash('sha256').update(readFileSync(migrations)).digest('hex') : 'unknown';
  const what = {
    format: CACHE_FORMAT,
    users: plan.users,
    convs: shape.convs,
    groups: shape.groups,
    groupSizes: shape.groupSizes,
    groupShare: shape.groupShare,
    seed: shape.seed,
    messages,
    days: HISTORY_DAYS,
    schema,
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
}

/**
 * A store holding `messages` messages of the plan's people, from the cache (`cacheRoot/prefill-<key>`)
 * or filled now by the server build's prefill tool and cached. The manifest is written last: a folder
 * without one is an interrupted fill and is filled again.
 */
export async function preparePrefill(
  plan: SocialPlan,
  shape: PlanShape,
  messages: number,
  opts: { cacheRoot: string; serverCli: string | undefined },
  log: (line: string) => void,
): Promise<Prefilled> {
  const tool = prefillTool(opts.serverCli);
  if (!existsSync(tool)) throw new Error(`prefill tool not found at ${tool}: build the server first (npm run build)`);
  const key = prefillKey(plan, shape, messages, tool);
  const dir = join(opts.cacheRoot, `prefill-${key}`);
  const manifestFile = join(dir, 'manifest.json');
  const planFile = join(dir, 'plan.json');
  const reused = existsSync(manifestFile);
  if (!reused) {
    mkdirSync(dir, { recursive: true });
    const { direct, groups } = conversationWeights(plan, shape.groupShare);
    const filePlan = {
      usernamePrefix: `p${key.slice(0, 8)}u`,
      tokens: Array.from({ length: plan.users }, () => `wb1_${randomBytes(32).toString('base64url')}`),
      direct,
      groups: plan.groups.map((members, g) => ({ members, weight: groups[g]! })),
      messages,
      seed: shape.seed,
      days: HISTORY_DAYS,
    };
    writeFileSync(planFile, JSON.stringify(filePlan));
    const tmpData = join(dir, `data.tmp-${process.pid}`);
    const tmpManifest = join(dir, `manifest.tmp-${process.pid}.json`);
    rmSync(tmpData, { recursive: true, force: true });
    log(`filling a store with ${messages} messages for ${plan.users} users (${tool}); cached in ${dir}`);
    try {
      await runTool(tool, ['--plan', planFile, '--data-dir', tmpData, '--out', tmpManifest], log);
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      renameSync(tmpData, join(dir, 'data'));
      renameSync(tmpManifest, manifestFile);
    } catch (e) {
      rmSync(tmpData, { recursive: true, force: true });
      rmSync(tmpManifest, { force: true });
      throw e;
    }
  }
  const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as PrefillManifest;
  const tokens = (JSON.parse(readFileSync(planFile, 'utf8')) as { tokens: string[] }).tokens;
  if (m.userIds.length !== plan.users || tokens.length !== plan.users)
    throw new Error(`prefill cache ${dir} does not match the plan: delete it`);
  if (reused) log(`reusing the store pre-filled with ${m.messages} messages (filled in ${m.seconds} s, ${m.rate} msg/s): ${dir}`);
  return {
    dataDir: join(dir, 'data'),
    users: m.userIds.map((id, i) => ({ id, token: tokens[i]! })),
    groupConvs: m.groupConvs,
    lastSeq: m.lastSeq,
    fill: { messages: m.messages, seconds: m.seconds, rate: m.rate, reused, cacheDir: dir },
  };
}

function runTool(tool: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [tool, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) if (l) log(l);
    });
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    p.on('error', reject);
    p.on('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`prefill tool failed (${code ?? sig}): ${err}`))));
  });
}
