import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WarblerError } from './errors.js';
import type { HttpRoute } from './http-route.js';

/**
 * The web app's security headers, on every file of it. The policy allows only the server's own
 * scripts, styles, images and WebSocket (the app inlines nothing and loads nothing from elsewhere);
 * no framing, no MIME sniffing, no referrer.
 */
export const WEB_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Hashed assets never change under their name: cached for a year. index.html is revalidated every time. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

interface WebFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  cache: string;
}

function webFile(body: Buffer, name: string, cache: string): WebFile {
  const type = TYPES[extname(name)] ?? 'application/octet-stream';
  const zipped = /^(text|image\/svg|application\/(json|manifest))/.test(type) && body.length > 512 ? gzipSync(body) : undefined;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, gzip: zipped && zipped.length < body.length ? zipped : undefined, type, etag, cache };
}

/** The folder of `@warbler/web`, when it is installed (the workspace), else undefined. */
function webPackageDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('@warbler/web/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * The built web app (packages/web/dist), read once into memory (it is small: about 100 KB), with
 * `registration` (the server's policy) written into index.html for the sign-up form. Undefined when
 * the app is not built or not installed: the server then shows its one-line banner at `/`.
 */
export function loadWebApp(registration: string, dir = webPackageDir()): { files: Map<string, WebFile>; appRoutes: string[] } | undefined {
  const dist = dir && join(dir, 'dist');
  if (!dist || !existsSync(join(dist, 'index.html'))) return undefined;
  const files = new Map<string, WebFile>();
  const html = readFileSync(join(dist, 'index.html'), 'utf8').replace(
    /(<meta name="warbler-registration" content=")[^"]*(")/,
    `$1${registration}$2`,
  );
  files.set('/', webFile(Buffer.from(html), 'index.html', REVALIDATE));
  for (const e of readdirSync(dist, { withFileTypes: true })) {
    if (e.isFile() && e.name !== 'index.html')
      files.set(`/${e.name}`, webFile(readFileSync(join(dist, e.name)), e.name, 'public, max-age=3600'));
  }
  const assets = join(dist, 'assets');
  if (existsSync(assets))
    for (const name of readdirSync(assets)) files.set(`/assets/${name}`, webFile(readFileSync(join(assets, name)), name, IMMUTABLE));
  const appRoutes = JSON.parse(readFileSync(join(dir, 'app-routes.json'), 'utf8')) as string[];
  return { files, appRoutes };
}

function send(req: FastifyRequest, reply: FastifyReply, f: WebFile): FastifyReply {
  reply.headers(WEB_HEADERS);
  reply.header('cache-control', f.cache);
  reply.header('etag', f.etag);
  reply.header('vary', 'accept-encoding');
  reply.type(f.type);
  if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
  const gzip = f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? f.gzip : f.body);
}

const FILE = { 200: Type.String({ description: 'The file' }) };

/**
 * The web app's routes: `/` and the app's own paths (app-routes.json; `/chat/…` and the like) answer
 * index.html, so a reload or a shared link opens the right view; `/assets/<hashed name>` and the other
 * files of the build answer themselves. Every other path stays 404 (`/admin` is kept for the admin console).
 */
export function webRoutes(app: NonNullable<ReturnType<typeof loadWebApp>>): HttpRoute[] {
  const index = app.files.get('/')!;
  const page = (url: string, summary: string): HttpRoute => ({
    method: 'GET',
    url,
    tag: 'web',
    summary,
    produces: 'text/html',
    responses: FILE,
    handle: async (req, reply) => send(req, reply, index),
  });
  const routes: HttpRoute[] = [page('/', 'The web chat app.')];
  for (const r of app.appRoutes) routes.push(page(r.endsWith('/') ? `${r}*` : r, 'A view of the web chat app (its index.html).'));
  routes.push({
    method: 'GET',
    url: '/assets/:file',
    tag: 'web',
    summary: 'A file of the web app, named by its content hash.',
    params: Type.Object({ file: Type.String({ maxLength: 200 }) }),
    responses: FILE,
    handle: async (req, reply) => {
      const f = app.files.get(`/assets/${(req.params as { file: string }).file}`);
      if (!f) throw new WarblerError('not_found', 'no such file');
      return send(req, reply, f);
    },
  });
  for (const [path, f] of app.files)
    if (path !== '/' && !path.startsWith('/assets/'))
      routes.push({
        method: 'GET',
        url: path,
        tag: 'web',
        summary: 'A file of the web app.',
        responses: FILE,
        handle: async (req, reply) => send(req, reply, f),
      });
  return routes;
}
