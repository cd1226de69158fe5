import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { CLI, spawnServer, tempDir, type ChildServer } from './helpers.js';
import { dropTestStore, testStoreEnv } from './test-store.js';

export interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end with `args`, extra environment and optional standard input. */
export async function cli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  // On the test store of the data folder it names, like the test servers of that folder.
  const dir = args[args.indexOf('--data-dir') + 1];
  const storeEnv = args.includes('--data-dir') && dir !== undefined ? await testStoreEnv(dir) : {};
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, WARBLER_AUTH_SCRYPT_COST: '1024', WARBLER_LOG_LEVEL: 'warn', ...storeEnv, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin.on('error', () => undefined);
  if (opts.input !== undefined) proc.stdin.end(opts.input);
  else proc.stdin.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`warbler ${args.join(' ')} did not exit; stdout=${stdout} stderr=${stderr}`));
    }, opts.timeoutMs ?? 10_000);
    proc.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? sig ?? -1, stdout, stderr });
    });
  });
}

/** A temp data folder removed when the test ends. */
export function dataDir(t: TestContext): string {
  const dir = tempDir('warbler-cli-');
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropTestStore(dir);
  });
  return dir;
}

/** `warbler serve` in `dir` as a child process, stopped with SIGTERM (then `dir` removed) when the test ends. */
export async function serve(t: TestContext, dir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const srv = await spawnServer(dir, env);
  t.after(async () => {
    if (srv.proc.exitCode === null && srv.proc.signalCode === null) srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return srv;
}

/** True when util-linux `script` can give a command a pseudo-terminal here. */
export const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so its standard input is a terminal; answers
 * each prompt (in order) once it shows, as a person types: the text, then Enter. Resolves with the exit
 * code and everything the terminal showed (what the CLI wrote, and the terminal's echo of what was typed).
 */
export function cliOnTerminal(
  args: string[],
  answers: [RegExp, string][],
  env: Record<string, string> = {},
): Promise<{ code: number | string; screen: string }> {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const proc = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, WARBLER_AUTH_SCRYPT_COST: '1024', WARBLER_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let seen = 0;
  let next = 0;
  const onOutput = (d: Buffer) => {
    screen += d.toString();
    const pending = answers[next];
    if (pending && pending[0].test(screen.slice(seen))) {
      seen = screen.length;
      next++;
      proc.stdin.write(`${pending[1]}\r`);
    }
  };
  proc.stdout.on('data', onOutput);
  proc.stderr.on('data', onOutput);
  proc.stdin.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`warbler ${args.join(' ')} on a terminal did not exit; screen=${JSON.stringify(screen)}`));
    }, 10_000);
    proc.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? sig ?? -1, screen });
    });
  });
}
