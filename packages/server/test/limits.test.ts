import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { LoginThrottle } from '../src/auth/login-throttle.js';
import { RateBuckets } from '../src/auth/rate-buckets.js';
import { clientIp, ipKey, proxySet } from '../src/gateway/client-ip.js';

// The limiters are pure modules that take the time as an argument: these tests drive them through
// hours of time in a few microseconds. The end-to-end tests (login-throttle, ip-limits) run them for real.

test('login throttle: 5 slots, in flight included; then a lockout that doubles, one check at a time', () => {
  const th = new LoginThrottle();
  const t0 = 1_000_000;
  for (let i = 0; i < 5; i++) assert.equal(th.reserve('bob', t0), 0, `slot ${i + 1} is free`);
  assert.equal(th.reserve('bob', t0), 1000, 'a 6th attempt while 5 are in flight is refused');
  assert.equal(th.reserve('eve', t0), 0, 'another username is not affected');
  for (let i = 0; i < 5; i++) th.failed('bob', t0 + 10);
  assert.equal(th.reserve('bob', t0 + 10), 1000, 'locked for 1 s after the 5th failure');
  assert.equal(th.reserve('bob', t0 + 1009), 1);
  assert.equal(th.reserve('bob', t0 + 1010), 0, 'then one attempt');
  assert.ok(th.reserve('bob', t0 + 1010) > 0, 'only one at a time');
  th.failed('bob', t0 + 1020);
  assert.equal(th.reserve('bob', t0 + 1020), 2000, 'the 6th failure locks for 2 s');
  assert.equal(th.reserve('bob', t0 + 3020), 0);
  th.succeeded('bob');
  for (let i = 0; i < 5; i++) assert.equal(th.reserve('bob', t0 + 3030), 0, 'a success frees every slot');
});

test('login throttle: failures expire after a day; a success during a burst keeps the others in flight counted', () => {
  const th = new LoginThrottle();
  for (let i = 0; i < 4; i++) {
    th.reserve('amy', 0);
    th.failed('amy', 0);
  }
  assert.equal(th.reserve('amy', 0), 0, 'a 5th slot');
  th.released('amy');
  assert.equal(th.reserve('amy', 24 * 3_600_000 + 1), 0);
  for (let i = 0; i < 4; i++) assert.equal(th.reserve('amy', 24 * 3_600_000 + 1), 0, 'a day later all 5 slots are free again');
  // Five in flight; one succeeds: the four others still hold their slots, so one more may start.
  th.succeeded('amy');
  assert.equal(th.reserve('amy', 24 * 3_600_000 + 2), 0);
  assert.ok(th.reserve('amy', 24 * 3_600_000 + 2) > 0);
});

test('login throttle: what drainChanges gives, restore puts back (a restart keeps the count and the lockout)', () => {
  const th = new LoginThrottle();
  for (let i = 0; i < 6; i++) {
    th.reserve('kim', 100);
    th.failed('kim', 100);
  }
  const { upsert, remove } = th.drainChanges();
  assert.deepEqual(remove, []);
  assert.deepEqual(upsert, [{ key: 'kim', count: 6, until: 2100, at: 100, expiresAt: 100 + 24 * 3_600_000 }]);
  assert.deepEqual(th.drainChanges(), { upsert: [], remove: [] }, 'nothing changed since');
  const after = new LoginThrottle();
  after.restore(upsert[0]!);
  assert.equal(after.reserve('kim', 200), 1900);
  after.reserve('kim', 2100);
  after.succeeded('kim');
  assert.deepEqual(after.drainChanges(), { upsert: [], remove: ['kim'] }, 'a success deletes the record');
});

test('rate buckets: capacity at once, then capacity per window; held units count; 0 means no limit', () => {
  const b = new RateBuckets(3, 3000);
  for (let i = 0; i < 3; i++) assert.equal(b.take('ip', 0), 0);
  assert.equal(b.take('ip', 0), 1000, 'full: one unit drains in 1 s');
  assert.equal(b.take('ip', 1000), 0);
  assert.equal(b.take('other', 1000), 0);
  assert.equal(b.take('ip', 1000, 4), Infinity, 'more than the capacity never fits');
  const r = new RateBuckets(2, 60_000);
  assert.equal(r.reserve('x', 0), 0);
  assert.equal(r.reserve('x', 0), 0);
  assert.ok(r.reserve('x', 0) > 0, 'two held: full');
  r.settle('x', false, 0);
  assert.equal(r.reserve('x', 0), 0, 'a unit given back frees its place');
  r.settle('x', true, 0);
  r.settle('x', true, 0);
  assert.equal(r.reserve('x', 0), 30_000, 'two counted: full until one drains');
  const off = new RateBuckets(0, 1000);
  for (let i = 0; i < 1000; i++) assert.equal(off.take('ip', 0, 50), 0);
});

test('rate buckets: drainChanges rounds the level up; restore puts it back', () => {
  const b = new RateBuckets(10, 10_000);
  for (let i = 0; i < 4; i++) b.take('ip', 0);
  const { upsert } = b.drainChanges(1500);
  assert.deepEqual(upsert, [{ key: 'ip', count: 3, until: 0, at: 1500, expiresAt: 4500 }], '4 units, 1.5 drained: 2.5, kept as 3');
  const after = new RateBuckets(10, 10_000);
  after.restore(upsert[0]!);
  for (let i = 0; i < 7; i++) assert.equal(after.take('ip', 1500), 0);
  assert.ok(after.take('ip', 1500) > 0);
});

/** A request as the gateway sees it: the TCP peer's address and the headers. */
const req = (remoteAddress: string, xff?: string | string[]): IncomingMessage =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

test('client address: X-Forwarded-For only from trusted proxies, read from the right; IPv6 by /64', () => {
  const none = proxySet([]);
  const nginx = proxySet(['127.0.0.1', '10.0.0.2']);
  assert.equal(clientIp(req('203.0.113.9', '198.51.100.1'), none), '203.0.113.9', 'no trusted proxy: the header is ignored');
  assert.equal(clientIp(req('::ffff:203.0.113.9'), none), '203.0.113.9', 'IPv4-mapped counts as IPv4');
  assert.equal(clientIp(req('203.0.113.9', '198.51.100.1'), nginx), '203.0.113.9', 'a peer that is not a proxy is the client');
  assert.equal(clientIp(req('127.0.0.1', '198.51.100.1'), nginx), '198.51.100.1');
  assert.equal(
    clientIp(req('::ffff:127.0.0.1', '1.2.3.4, 198.51.100.1'), nginx),
    '198.51.100.1',
    'the client cannot prepend its own choice',
  );
  assert.equal(clientIp(req('127.0.0.1', '198.51.100.1, 10.0.0.2'), nginx), '198.51.100.1', 'a chain of trusted proxies');
  assert.equal(clientIp(req('127.0.0.1', ['198.51.100.7', '10.0.0.2']), nginx), '198.51.100.7', 'repeated headers');
  assert.equal(clientIp(req('127.0.0.1', 'garbage'), nginx), '127.0.0.1', 'a malformed header leaves the proxy');
  assert.equal(clientIp(req('127.0.0.1'), nginx), '127.0.0.1', 'no header: the proxy itself');
  assert.equal(clientIp(req('2001:db8:1:2:aaaa::1'), none), '2001:db8:1:2::/64');
  assert.equal(clientIp(req('127.0.0.1', '2001:DB8:1:2:bbbb::9'), nginx), '2001:db8:1:2::/64', 'one /64, whatever the host part');
  assert.equal(ipKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(ipKey('::1'), '0:0:0:0::/64');
  assert.equal(ipKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
});
