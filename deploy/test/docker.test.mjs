/* global fetch */
// The amd64 image and Compose's single profile on a real Docker engine (deploy/test/README.md).
// Builds the local base (deploy/base/build-base.sh; kept in the engine's cache between runs), builds
// deploy/Dockerfile on it, and reaches the containers only through ports published on 127.0.0.1 or
// from containers on networks the test made. Removes every container, image, network and volume it
// made, except the base.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { WarblerClient } from '../../packages/sdk/dist/src/index.js';
import { RawClient, docker, freePort, logs, publishedPort, resumed, run, runAsync, sleep, waitHealthy } from './docker-helpers.mjs';

const BASE = process.env.WARBLER_BASE_IMAGE ?? 'warbler-base:node24-bookworm-slim-amd64';
const ID = `wdt${randomBytes(4).toString('hex')}`;
const IMAGE = `warbler-test:${ID}`;
const LABEL = `org.warbler.test=${ID}`;
const made = { containers: [], networks: [], projects: [] };

/** Starts the image detached with the test's label; returns the container's name. */
function start(name, args) {
  made.containers.push(name);
  docker('run', '-d', '--name', name, '--label', LABEL, ...args, IMAGE);
  return name;
}

/** `warbler ARGS` inside the container (as its user, on its data volume); parses the JSON it prints. */
function cli(container, ...args) {
  return JSON.parse(docker('exec', container, 'warbler', ...args).split('\n')[0]);
}

before(() => {
  const t0 = Date.now();
  // npm in the base trusts this machine's certificates: its egress to the registry may intercept TLS.
  const ca = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find((f) => f && existsSync(f));
  run('bash', ['deploy/base/build-base.sh', '--tag', BASE, ...(ca ? ['--ca-file', ca] : [])], { timeoutMs: 900_000 });
  const t1 = Date.now();
  run('docker', ['build', '-f', 'deploy/Dockerfile', '--build-arg', `BASE_IMAGE=${BASE}`, '-t', IMAGE, '.'], { timeoutMs: 2_700_000 });
  const size = Number(docker('image', 'inspect', '-f', '{{.Size}}', IMAGE));
  const base = Number(docker('image', 'inspect', '-f', '{{.Size}}', BASE));
  console.log(
    `# base ${BASE}: ${Math.round((t1 - t0) / 1000)} s; image built in ${Math.round((Date.now() - t1) / 1000)} s: ` +
      `${(size / 1e6).toFixed(0)} MB (${((size - base) / 1e6).toFixed(0)} MB above the base)`,
  );
});

after(() => {
  for (const p of made.projects) run('docker-compose', p.args.concat(['down', '-v', '--remove-orphans']), { env: p.env });
  for (const c of made.containers) run('docker', ['rm', '-f', '-v', c]);
  for (const n of made.networks) run('docker', ['network', 'rm', n]);
  run('docker', ['image', 'rm', '-f', IMAGE]);
  // The build stage's images (labelled in the Dockerfile) are no use once the image is built.
  run('docker', ['image', 'prune', '-f', '--filter', 'label=org.warbler.stage=build']);
});

describe('the amd64 image', () => {
  let c;
  let port;
  let wsUrl;
  let adminUrl;
  let apiKey;

  before(async () => {
    // The public port keeps its host port across the restart below; the admin listener is published
    // on the host's loopback for the bench's provisioning (the documented way to give it to a tool).
    port = await freePort();
    c = start(`${ID}-one`, [
      '-p',
      `127.0.0.1:${port}:8080`,
      '-p',
      '127.0.0.1::9090',
      '-e',
      'WARBLER_ADMIN_HOST=0.0.0.0',
      '--stop-timeout',
      '30',
    ]);
    await waitHealthy(c);
    wsUrl = `ws://127.0.0.1:${port}/ws`;
    adminUrl = `http://127.0.0.1:${publishedPort(c, 9090)}`;
    apiKey = cli(c, 'apikey', 'create', '--scope', 'users:write', '--name', 'deploy-test').key;
  });

  test('runs as a user that is not root, from a read-only tree, with its data in the volume', () => {
    assert.equal(docker('inspect', '-f', '{{.Config.User}}', c), 'warbler:warbler');
    const status = docker('exec', c, 'cat', '/proc/1/status');
    assert.match(status, /^Uid:\s+10001\s+10001\s+10001\s+10001$/m, 'the server process runs as uid 10001');
    assert.match(docker('exec', c, 'ls', '-ln', '/var/lib/warbler'), /10001 +10001 .*warbler\.db$/m);
    const mounts = JSON.parse(docker('inspect', '-f', '{{json .Mounts}}', c));
    assert.deepEqual(
      mounts.map((m) => [m.Type, m.Destination]),
      [['volume', '/var/lib/warbler']],
    );
    // Its user cannot change the program.
    assert.throws(() => docker('exec', c, 'touch', '/opt/warbler/packages/server/dist/src/cli.js'), /Permission denied/);
  });

  test('answers /healthz and /readyz on the published port', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      assert.equal(res.status, 200, path);
    }
  });

  test('serves the web app at /, with its script', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<div id="app"><\/div>/, 'the app page, not the one-line banner');
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script, html);
    assert.equal((await fetch(`http://127.0.0.1:${port}${script}`)).status, 200, script);
  });

  test('carries a chat round trip with the SDK', async () => {
    const { code } = cli(c, 'invite', 'create', '--uses', '2');
    const alice = new WarblerClient({ url: wsUrl, WebSocket });
    const bob = new WarblerClient({ url: wsUrl, WebSocket });
    try {
      await alice.connect();
      await bob.connect();
      await alice.register(`a${ID}`, 'a long password', { invite: code });
      const { user } = await bob.register(`b${ID}`, 'a long password', { invite: code });
      const got = new Promise((resolve) => bob.on('message', (m) => resolve(m)));
      const ack = await alice.send({ to: user.id, text: 'hello from outside the container' });
      const m = await got;
      assert.equal(m.text, 'hello from outside the container');
      assert.equal(m.seq, ack.seq);
    } finally {
      alice.close();
      bob.close();
    }
  });

  test('carries a short warbler-bench run, every acknowledged message delivered once', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'wdt-bench-')), 'bench.json');
    const r = await runAsync(
      process.execPath,
      [
        'packages/bench/bin/warbler-bench.js',
        'chat',
        '--url',
        wsUrl,
        '--admin-url',
        adminUrl,
        '--admin-token',
        apiKey,
        '--users',
        '200',
        '--rate',
        '200',
        '--duration',
        '5',
        '--no-pin',
        '--quiet',
        '--json',
        json,
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(r.code, 0, `warbler-bench failed:\n${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    rmSync(join(json, '..'), { recursive: true, force: true });
    assert.equal(report.pass, true);
    const { messages } = report.runs[0];
    assert.ok(messages.sent > 0, 'messages were acknowledged');
    assert.equal(messages.missing, 0);
    assert.equal(messages.duplicates, 0);
  });

  test('docker stop under load exits 0, and every acknowledged message is there after the restart', async () => {
    // Users with device tokens, through the admin API on the admin listener.
    const res = await fetch(`${adminUrl}/api/admin/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        users: Array.from({ length: 40 }, (_, i) => ({ username: `s${ID}${i}` })),
        issueTokens: true,
        device: 'stop',
      }),
    });
    assert.equal(res.status, 200);
    const { users } = await res.json();
    const senders = await Promise.all(users.slice(0, 20).map((u) => resumed(wsUrl, u.token)));
    const acked = []; // { sender index, clientId, conv, seq }
    let sendsAnswered = 0;
    // Each sender keeps 4 messages in flight to its partner until its connection is closed, each lane
    // pausing 25 ms between sends: 160 frames/s per connection, under gateway.framesPerSecond (200).
    const lanes = senders.flatMap((s, i) =>
      Array.from({ length: 4 }, async (_, lane) => {
        for (let n = 0; ; n++) {
          const clientId = `${Date.now().toString(36)}-${i}-${lane}-${n}`;
          const r = await s.call('msg.send', { to: users[20 + i].id, clientId, text: clientId });
          if (r.closed !== undefined) return;
          sendsAnswered++;
          if (r.ok) acked.push({ i, clientId, conv: r.data.conv, seq: r.data.seq });
          else assert.equal(r.error.code, 'unavailable', `a send during the stop is answered unavailable, not ${r.error.code}`);
          await sleep(25);
        }
      }),
    );
    while (acked.length < 500) await sleep(50);
    const stop = await runAsync('docker', ['stop', c], { timeoutMs: 60_000 });
    assert.equal(stop.code, 0, stop.stderr);
    await Promise.all(lanes);
    const state = docker('inspect', '-f', '{{.State.ExitCode}} {{.State.OOMKilled}}', c);
    assert.equal(state, '0 false', 'the server exited 0 on its own, before the stop timeout');
    assert.ok(
      senders.every((s) => s.closeCode === 4000),
      `clients were told to reconnect (4000): ${senders.map((s) => s.closeCode)}`,
    );
    assert.match(logs(c), /"msg":"stopped"/);

    docker('start', c);
    await waitHealthy(c);
    for (const [i, s] of users.slice(0, 20).entries()) {
      const mine = acked.filter((a) => a.i === i);
      if (mine.length === 0) continue;
      const cl = await resumed(wsUrl, s.token);
      const stored = new Map();
      let before;
      for (;;) {
        const h = await cl.call('msg.history', { conv: mine[0].conv, limit: 100, ...(before ? { before } : {}) });
        assert.ok(h.ok, JSON.stringify(h.error));
        for (const m of h.data.messages) stored.set(m.seq, m.clientId);
        if (!h.data.more) break;
        before = Math.min(...h.data.messages.map((m) => m.seq));
      }
      cl.close();
      for (const a of mine) assert.equal(stored.get(a.seq), a.clientId, `acknowledged message ${a.clientId} (seq ${a.seq}) is stored`);
    }
    console.log(`# docker stop under load: ${acked.length} acknowledged, ${sendsAnswered} answered, all stored after the restart`);
  });
});

/** This machine's open-file limit: an engine started here cannot give a container more. */
const hardNofile = Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 65536);

describe('compose, profile single', () => {
  // The engine here runs with this machine's open-file limit (20000 on the test machine), below the
  // compose file's 65536: its WARBLER_NOFILE setting takes the lower one.
  const nofile = String(Math.min(65536, hardNofile));
  const project = {
    args: ['-p', ID, '-f', 'deploy/compose.yaml', '--profile', 'single'],
    env: { WARBLER_IMAGE: IMAGE, WARBLER_PORT: '0', WARBLER_NOFILE: nofile },
  };
  const compose = (...args) => run('docker-compose', project.args.concat(args), { env: project.env, timeoutMs: 180_000 });
  let container;
  let port;

  before(async () => {
    made.projects.push(project);
    compose('up', '-d', '--no-build');
    container = compose('ps', '-q', 'warbler');
    await waitHealthy(container);
    port = publishedPort(container, 8080);
  });

  test('comes up healthy on a named volume, with a read-only root and no capabilities', () => {
    const mounts = JSON.parse(docker('inspect', '-f', '{{json .Mounts}}', container));
    assert.deepEqual(
      mounts.map((m) => [m.Type, m.Name, m.Destination]),
      [['volume', `${ID}_warbler-data`, '/var/lib/warbler']],
    );
    assert.equal(docker('inspect', '-f', '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}', container), 'true [ALL]');
    assert.match(docker('exec', container, 'cat', '/proc/1/limits'), new RegExp(`^Max open files +${nofile} +${nofile} `, 'm'));
    assert.match(docker('exec', container, 'cat', '/proc/1/status'), /^NoNewPrivs:\s+1$/m);
  });

  test('serves the public port on 127.0.0.1 and keeps the admin listener inside the container', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    const network = `${ID}_default`;
    const probe = (url) =>
      runAsync('docker', [
        'run',
        '--rm',
        '--network',
        network,
        '--label',
        LABEL,
        '--entrypoint',
        'node',
        IMAGE,
        'deploy/docker/http-get.mjs',
        url,
      ]);
    const pub = await probe('http://warbler:8080/healthz');
    assert.equal(pub.code, 0, `a container on the project's network reaches the public port: ${pub.stderr}`);
    const admin = await probe('http://warbler:9090/healthz');
    assert.notEqual(admin.code, 0, 'nothing outside the container reaches the admin listener');
    assert.match(admin.stderr, /ECONNREFUSED/);
    const metrics = compose('exec', '-T', 'warbler', 'node', 'deploy/docker/http-get.mjs', 'http://127.0.0.1:9090/metrics');
    assert.match(metrics, /^warbler_connections\{/m, 'docker-compose exec reaches it');
  });

  test('keeps its accounts in the volume across down and up', async () => {
    const { code } = JSON.parse(compose('exec', '-T', 'warbler', 'warbler', 'invite', 'create', '--uses', '1').split('\n')[0]);
    const url = `ws://127.0.0.1:${port}/ws`;
    const a = await RawClient.open(url);
    const reg = await a.call('auth.register', { username: `v${ID}`, password: 'a long password', invite: code });
    assert.ok(reg.ok, JSON.stringify(reg.error));
    a.close();
    compose('down');
    compose('up', '-d', '--no-build');
    container = compose('ps', '-q', 'warbler');
    await waitHealthy(container);
    port = publishedPort(container, 8080);
    const b = await resumed(`ws://127.0.0.1:${port}/ws`, reg.data.token);
    b.close();
  });
});
