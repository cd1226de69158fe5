/* global fetch, AbortSignal */
// A GET from inside the container, which has no curl: the image's HEALTHCHECK, and the operators' way to
// the admin listener, which listens on the container's own 127.0.0.1 only (docs/deploy.md).
//   node http-get.mjs [--quiet] [-H 'Name: value']... [URL]
// URL defaults to the public port's /healthz (WARBLER_SERVER_PORT, else 8080). Prints the body (not with
// --quiet); exits 0 on a 2xx answer, 1 on any other answer, no answer within 4 s, or a refused connection.
const args = process.argv.slice(2);
const headers = {};
let quiet = false;
let url = `http://127.0.0.1:${process.env.WARBLER_SERVER_PORT || 8080}/healthz`;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--quiet') quiet = true;
  else if (a === '-H') {
    const [name, ...value] = (args[++i] ?? '').split(':');
    headers[name.trim()] = value.join(':').trim();
  } else url = a;
}
try {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(4000) });
  const body = await res.text();
  if (!quiet) process.stdout.write(body.endsWith('\n') ? body : body + '\n');
  if (!res.ok) process.stderr.write(`http-get: ${url} answered ${res.status}\n`);
  process.exitCode = res.ok ? 0 : 1;
} catch (e) {
  process.stderr.write(`http-get: ${url}: ${e.cause?.code ?? e.message}\n`);
  process.exitCode = 1;
}
