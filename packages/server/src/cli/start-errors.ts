import { resolve } from 'node:path';
import type { Config } from '../config.js';

/** A server that could not start, for a reason the operator can fix: printed as one line, exit code 1. */
export class StartError extends Error {
  override name = 'StartError';
}

const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/**
 * The operator's reading of a start-up failure of `warbler serve`, or undefined when it is not one of
 * the known ones (the caller then shows the error itself). Known: the port is taken or needs privileges;
 * the data folder cannot be created or written.
 * @example startFailure(Object.assign(new Error(), { code: 'EADDRINUSE', syscall: 'listen' }), config)
 */
export function startFailure(e: unknown, config: Config): StartError | undefined {
  const code = codeOf(e);
  const syscall = typeof e === 'object' && e !== null && 'syscall' in e ? String(e.syscall) : '';
  if (syscall === 'listen') {
    const where =
      'port' in (e as object) ? `${String((e as { address?: string }).address)}:${String((e as { port?: number }).port)}` : 'the port';
    if (code === 'EADDRINUSE')
      return new StartError(
        `cannot listen on ${where}: the port is in use (another server running?); choose one with --port or server.port`,
      );
    if (code === 'EACCES')
      return new StartError(
        `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose one with --port or server.port`,
      );
    if (code === 'EADDRNOTAVAIL')
      return new StartError(`cannot listen on ${where}: no such address on this machine; choose one with --host or server.host`);
  }
  const dir = resolve(config.dataDir);
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY')
    return new StartError(
      `cannot write to the data folder ${dir}: permission denied; give the user running warbler write access, or choose another with --data-dir or dataDir`,
    );
  if (code === 'EROFS')
    return new StartError(
      `cannot write to the data folder ${dir}: the file system is read-only; choose another with --data-dir or dataDir`,
    );
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return new StartError(`cannot use the data folder ${dir}: a file is in the way; choose another with --data-dir or dataDir`);
  return undefined;
}
