#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Harness } from './harness.js';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options.js';
import { ProvisionError } from './provision.js';
import { groupCapEnv, machineInfo, oneMachineEnv, publicOptions, rateLimitEnv, type BenchReport } from './report.js';
import { renderHtml } from './report-html.js';
import { SCENARIO_RUNNERS } from './scenarios/index.js';
import { parseSlo, SloError, type SloTerm } from './slo.js';
import { summaryText } from './summary-table.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Exit codes: see USAGE. */
const EXIT = { pass: 0, fail: 1, usage: 2, runError: 3 } as const;

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function run(o: BenchOptions, slo: { spec: string; terms: SloTerm[] } | undefined, argv: string[]): Promise<number> {
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(`warbler-bench: ${line}\n`);
  };
  const notes: string[] = [];
  const limits = rateLimitEnv(o);
  if (limits.note) notes.push(limits.note);
  const cap = groupCapEnv(o);
  if (cap.note) notes.push(cap.note);
  const oneMachine = oneMachineEnv(o);
  if (oneMachine.note) notes.push(oneMachine.note);
  for (const n of notes) log(n);
  const startedAt = new Date().toISOString();
  const h = await Harness.open(o, { ...oneMachine.env, ...limits.env, ...cap.env, ...o.serverEnv }, log);
  // Interrupted: still stop the spawned server and delete its data (workers end with this process).
  const onSignal = (sig: string) => {
    process.stderr.write(`warbler-bench: ${sig}: stopping\n`);
    void h.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let runs;
  try {
    runs = await SCENARIO_RUNNERS[o.scenario]({ h, o, log, slo });
  } catch (e) {
    const tail = h.serverLog().split('\n').slice(-20).join('\n');
    if (tail) process.stderr.write(`warbler-bench: server log (last lines):\n${tail}\n`);
    throw e;
  } finally {
    await h.close();
  }
  const report: BenchReport = {
    tool: 'warbler-bench',
    version: VERSION,
    scenario: o.scenario,
    pass: runs.every((r) => r.pass),
    startedAt,
    finishedAt: new Date().toISOString(),
    command: ['warbler-bench', ...argv].join(' '),
    machine: machineInfo(),
    target: h.info,
    options: publicOptions(o),
    notes,
    runs,
  };
  process.stdout.write(summaryText(report));
  if (o.json) writeFile(o.json, JSON.stringify(report, null, 1) + '\n');
  if (o.report) writeFile(o.report, renderHtml(report));
  if (o.json || o.report) log(`wrote ${[o.json, o.report].filter(Boolean).join(' and ')}`);
  return report.pass ? EXIT.pass : EXIT.fail;
}

async function main(argv: string[]): Promise<number> {
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
