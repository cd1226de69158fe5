import { defineConfig } from 'vite';

// The app is built to dist/ and served by the server (packages/server/src/http-web.ts): hashed assets
// under /assets/, index.html without cache. Nothing inline, so the server's strict CSP holds.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite` for development: the WebSocket goes to a server on port 8080.
  server: { proxy: { '/ws': { target: 'ws://localhost:8080', ws: true } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
