import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RawClient, eventually, startTestServer, uniqueName, type Frame, type TestServer } from './helpers.js';

/** `n` raw connections that have said hello; closed when the test ends. */
async function openMany(t: TestContext, s: TestServer, n: number): Promise<RawClient[]> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.open(s.wsUrl)));
  t.after(() => cs.forEach((c) => c.close()));
  await Promise.all(cs.map((c) => c.request('hello', { protocol: 1 })));
  return cs;
}

/** A registered user with `password`; returns its username. */
async function account(t: TestContext, s: TestServer, password: string): Promise<string> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  const name = uniqueName('victim');
  await c.request('hello', { protocol: 1 });
  const r = await c.request('auth.register', { username: name, password });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  return name;
}

const codeOf = (f: Frame): string => (f.ok ? 'ok' : (f.error?.code ?? '?'));

test('defect 2: a burst of wrong passwords on many connections is throttled while it is in flight; a right password inside it is refused, then works after the delay', async (t) => {
  // The production scrypt cost, so that the hashes of the burst are still running when its last frames arrive.
  const s = await startTestServer({ auth: { scryptCost: 16384 } });
  t.after(() => s.close());
  const name = await account(t, s, 'right-password');
  const wrong = await openMany(t, s, 29);
  const [late] = await openMany(t, s, 1);

  // 29 wrong passwords at the same moment, one per connection.
  const burst = wrong.map((c, i) => c.request('auth.login', { username: name, password: `wrong-${i}` }, 20_000));
  // Attempts in flight count: once the free failures are taken, the next attempts are refused at once,
  // while the first ones are still being hashed.
  await Promise.any(wrong.map((c) => c.waitFor((f) => f.error?.code === 'rate_limited', 10_000)));
  const right = await late!.request('auth.login', { username: name, password: 'right-password' }, 20_000);
  assert.equal(codeOf(right), 'rate_limited', 'the right password inside the burst is refused');

  const codes = (await Promise.all(burst)).map(codeOf);
  assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 5, `only the 5 free failures are checked: ${codes.join(' ')}`);
  assert.equal(codes.filter((c) => c === 'rate_limited').length, 24, codes.join(' '));

  // After the documented delay (1 s after the fifth failure) the right password logs in, and the success
  // resets the count: the next wrong password is checked again (invalid_credentials, not rate_limited).
  await eventually(
    async () => {
      const r = await late!.request('auth.login', { username: name, password: 'right-password' }, 20_000);
      assert.equal(codeOf(r), 'ok');
    },
    10_000,
    250,
  );
  const [again] = await openMany(t, s, 1);
  assert.equal(codeOf(await again!.request('auth.login', { username: name, password: 'wrong-after' }, 20_000)), 'invalid_credentials');
});
