import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

// What the SDK's browser tests share: the bundle as a web app ships it, one origin for the page and
// the WebSocket under a strict CSP, and Debian's Chromium.

export const CHROMIUM = '/usr/bin/chromium';
export const CSP = "default-src 'self'";

/** `entry` (e.g. `export { WarblerClient } from '@warbler/sdk';`) bundled and minified for browsers by esbuild. */
export async function bundle(entry: string): Promise<string> {
  const out = await build({
    stdin: { contents: entry, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export interface PageOrigin {
  origin: string;
  /** Turns the WebSocket path off (open sockets are cut, new ones refused) or on again. */
  socketDown(down: boolean): void;
}

/**
 * One origin for the page and the WebSocket, as behind a reverse proxy: `files` (path → [type, body])
 * and the CSP header from here; `/ws` upgrades piped to the Warbler server. So `default-src 'self'`
 * covers both.
 */
export async function pageOrigin(t: TestContext, files: Record<string, [string, string]>, wsPort: number): Promise<PageOrigin> {
  const pipes = new Set<Duplex>();
  let down = false;
  const http: Server = createServer((req, res) => {
    const f = files[(req.url ?? '').split('?')[0]!];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[0], 'content-security-policy': CSP, 'cache-control': 'no-store' }).end(f[1]);
  });
  http.on('upgrade', (req, socket, head) => {
    if (down) return void socket.destroy();
    pipes.add(socket);
    socket.on('close', () => pipes.delete(socket));
    const upstream = connect(wsPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    socketDown: (d) => {
      down = d;
      if (d) for (const s of pipes) s.destroy();
    },
  };
}

/** Debian's Chromium, headless, closed after the test. */
export async function launchChromium(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
}
