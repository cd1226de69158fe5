import { createInterface } from 'node:readline';

/** A mistake in the command line or its input: printed as its message alone, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The first line of standard input, without its line break ('' when there is none). */
export async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/** What was typed after the Enter that ended the last answer (typed ahead, or pasted at once). */
let typedAhead = '';

/**
 * Asks for a secret on the terminal without showing it: the terminal goes to raw mode (no echo) until
 * Enter. The prompt goes to stderr, so stdout carries only the command's result. Ctrl-C exits (130).
 */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // No echo before the prompt shows: nothing typed in answer to it can appear on the screen.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.setEncoding('utf8');
  let typed = '';
  return new Promise((resolve) => {
    const done = (rest: string) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      typedAhead = rest.replace(/^\n/, '');
      process.stderr.write('\n');
      resolve(typed);
    };
    /** Takes the characters of `text`; true once the answer is complete. */
    const onData = (text: string): boolean => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done(chars.slice(i + 1).join(''));
          return true;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
      return false;
    };
    const ahead = typedAhead;
    typedAhead = '';
    if (onData(ahead)) return;
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * A new password: asked twice without echo when standard input is a terminal, else the first line of
 * standard input (scripts: `printf '%s\n' "$PW" | warbler user passwd alice`).
 */
export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readLine();
  const first = await promptHidden('New password: ');
  const again = await promptHidden('Repeat it: ');
  if (first !== again) throw new UsageError('the two passwords differ; nothing was changed');
  return first;
}
