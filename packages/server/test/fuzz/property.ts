/** The fuzz property: fast-check generates command sequences, each run on a fresh server by the harness. */
import fc from 'fast-check';
import { command } from './commands.js';
import { runFuzzCommands, type FuzzStats } from './harness.js';

export interface FuzzOptions {
  /** Same seed, same runs: a failure names its seed (and path) to replay it. */
  seed: number;
  /** Most runs (each a fresh server and a sequence of commands). */
  runs: number;
  /** Stop starting runs after this long (the runs done count as passed). */
  seconds?: number;
  /** Longest command sequence of one run. */
  maxCommands?: number;
  /** Shrink a failing sequence to a smallest one (slow: each try is a run). */
  shrink?: boolean;
  /** Replays one run of a seed (`path` from a failure report). */
  path?: string;
  /** Collects the answers per op. */
  stats?: FuzzStats;
}

/** Runs the fuzz property; resolves with how many runs passed, throws with a replayable report on failure. */
export async function fuzz(o: FuzzOptions): Promise<number> {
  let runs = 0;
  const property = fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: o.maxCommands ?? 50, size: 'max' }), async (cmds) => {
    runs++;
    await runFuzzCommands(cmds, o.stats);
  });
  try {
    await fc.assert(property, {
      seed: o.seed,
      numRuns: o.runs,
      endOnFailure: !o.shrink,
      ...(o.path !== undefined ? { path: o.path } : {}),
      ...(o.seconds !== undefined ? { interruptAfterTimeLimit: o.seconds * 1000 } : {}),
    });
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    const path = /path: "([^"]*)"/.exec(m)?.[1];
    // What broke (with the run's last steps) comes first; fast-check's own report, abbreviated, after it.
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
    const what = cause ? `${cause.name}: ${cause.message}` : '';
    throw new Error(
      `fuzz failed with seed ${o.seed}; replay: npm run fuzz -- --seed ${o.seed}${path ? ` --path ${path}` : ''} --shrink\n${what}\n--- fast-check: ${m.length > 3000 ? `${m.slice(0, 1500)} … ${m.slice(-1500)}` : m}`,
      { cause: e },
    );
  }
  return runs;
}
