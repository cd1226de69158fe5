#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCurves } from './curve.js';
import { Harness, type ServerInfo } from './harness.js';
import { isMixScenario, parseOptions, SWEEP_SCENARIOS, UsageError, USAGE, type BenchOptions } from './options.js';
import { preparePrefill, type Prefilled } from './prefill.js';
import { ProvisionError } from './provision.js';
import { Relay } from './relay.js';
import { groupCapEnv, machineInfo, publicOptions, rateLimitEnv, type BenchReport } from './report.js';
import { renderHtml } from './report-html.js';
import type { ScenarioResult } from './result.js';
import { SCENARIO_RUNNERS } from './scenarios/index.js';
import { parseSlo, SloError, type SloTerm } from './slo.js';
import { buildPlan, type PlanShape, type SocialPlan } from './social-plan.js';
import { summaryText } from './summary-table.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Exit codes: see USAGE. */
const EXIT = { pass: 0, fail: 1, usage: 2, runError: 3 } as const;

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** The shape of the client mix's social plan (what a pre-filled store depends on). */
function planShape(o: BenchOptions): PlanShape | undefined {
  const k = o.mix;
  return k && { convs: k.convs, groups: k.groups, groupSizes: k.groupSizes, groupShare: k.groupShare, seed: k.seed };
}

async function run(o: BenchOptions, slo: { spec: string; terms: SloTerm[] } | undefined, argv: string[]): Promise<number> {
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(`warbler-bench: ${line}\n`);
  };
  const notes: string[] = [];
  const shape = planShape(o);
  const plan: SocialPlan | undefined = shape && buildPlan(o.users, shape);
  const limits = rateLimitEnv(o, plan);
  if (limits.note) notes.push(limits.note);
  const cap = groupCapEnv(o);
  if (cap.note) notes.push(cap.note);
  for (const n of notes) log(n);
  const startedAt = new Date().toISOString();
  const targets: ('warbler' | 'relay')[] = o.against === 'both' ? ['warbler', 'relay'] : [o.against];
  let prefilled: Prefilled | undefined;
  if (plan && shape && o.prefill > 0 && targets.includes('warbler')) {
    prefilled = await preparePrefill(plan, shape, o.prefill, { cacheRoot: o.prefillCache, serverCli: o.serverCli }, log);
    const f = prefilled.fill;
    notes.push(
      `the store held ${f.messages} messages at the start: ${f.reused ? 'a copy of a cached fill' : 'filled for this run'} (${f.seconds} s, ${f.rate} msg/s; ${f.cacheDir})`,
    );
  }
  if (o.prefill > 0 && targets.includes('relay')) notes.push('the relay stores nothing: it starts empty whatever --prefill says');
  let current: Harness | undefined;
  // Interrupted: still stop the spawned server and delete its data (workers end with this process).
  const onSignal = (sig: string) => {
    process.stderr.write(`warbler-bench: ${sig}: stopping\n`);
    // Closing twice is harmless: a harness stops its server once.
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runs: ScenarioResult[] = [];
  const infos: ServerInfo[] = [];
  for (const target of targets) {
    const h = await Harness.open(o, { ...limits.env, ...cap.env, ...o.serverEnv }, log, {
      target,
      prefilled,
      placement: current?.placement,
    });
    current = h;
    infos.push(h.info);
    try {
      runs.push(...(await SCENARIO_RUNNERS[o.scenario]({ h, o, log, slo, ...(plan ? { plan } : {}) })));
    } catch (e) {
      const tail = h.serverLog().split('\n').slice(-20).join('\n');
      if (tail) process.stderr.write(`warbler-bench: server log (last lines):\n${tail}\n`);
      throw e;
    } finally {
      await h.close();
    }
  }
  const curved = isMixScenario(o.scenario) || (SWEEP_SCENARIOS.includes(o.scenario) && (o.rates.length > 1 || targets.length > 1));
  const report: BenchReport = {
    tool: 'warbler-bench',
    version: VERSION,
    scenario: o.scenario,
    pass: runs.every((r) => r.pass),
    startedAt,
    finishedAt: new Date().toISOString(),
    command: ['warbler-bench', ...argv].join(' '),
    machine: machineInfo(),
    target: infos[0]!,
    targets: infos,
    options: publicOptions(o),
    notes,
    runs,
    curves: curved ? buildCurves(runs, o.p99BoundMs) : [],
  };
  process.stdout.write(summaryText(report));
  if (o.json) writeFile(o.json, JSON.stringify(report, null, 1) + '\n');
  if (o.report) writeFile(o.report, renderHtml(report));
  if (o.json || o.report) log(`wrote ${[o.json, o.report].filter(Boolean).join(' and ')}`);
  return report.pass ? EXIT.pass : EXIT.fail;
}

/** `warbler-bench relay [--port N] [--host H]`: the bare relay in the foreground (see relay.ts). */
async function relay(argv: string[]): Promise<number> {
  let port: number;
  let host: string;
  try {
    const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true });
    port = Number(values.port ?? 8090);
    host = values.host ?? '127.0.0.1';
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535 (got "${values.port}")`);
  } catch (e) {
    process.stderr.write(`warbler-bench relay: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.usage;
  }
  const r = new Relay();
  const bound = await r.listen(port, host);
  // The same line as the server's log, which spawnRelay waits for.
  process.stderr.write(`${JSON.stringify({ msg: 'listening', port: bound, host })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await r.close();
  return EXIT.pass;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'relay') return relay(argv.slice(1));
  let o: BenchOptions | 'help';
  let slo: { spec: string; terms: SloTerm[] } | undefined;
  try {
    o = parseOptions(argv, process.env);
    if (o === 'help') {
      process.stdout.write(USAGE + '\n');
      return EXIT.pass;
    }
    if (o.slo !== undefined) slo = { spec: o.slo, terms: parseSlo(o.slo) };
  } catch (e) {
    if (e instanceof UsageError || e instanceof SloError) {
      process.stderr.write(`warbler-bench: ${e.message}\n(warbler-bench --help for usage)\n`);
      return EXIT.usage;
    }
    throw e;
  }
  try {
    return await run(o, slo, argv);
  } catch (e) {
    const what = e instanceof ProvisionError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`warbler-bench: run failed: ${what}\n`);
    return EXIT.runError;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`warbler-bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT.runError);
  },
);
