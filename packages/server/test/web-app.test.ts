import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { adminFetch, apiKey, startTestServer } from './helpers.js';
import {
  act,
  ARTIFACTS,
  axeViolations,
  DESKTOP,
  launch,
  messageWith,
  NO_CHROMIUM,
  openChat,
  person,
  PHONE,
  say,
  shoot,
  signUp,
} from './web-browser.js';

// The web app in Debian's Chromium against a real server: what people do with it, in Chinese and
// English. Waits are Playwright's retrying locators (no sleeps, no timing assertions).
const opts = { skip: NO_CHROMIUM, timeout: 420_000 };

test('two people chat in real time, one in Chinese and one in English; receipts show; a reload keeps the history', opts, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const browser = await launch(t);
  const alice = await person(browser, { locale: 'zh-CN' });
  const bob = await person(browser, { locale: 'en-US', colorScheme: 'dark', viewport: PHONE });

  await alice.page.goto(`${s.url}/`);
  await alice.page.getByRole('heading', { name: '登录' }).waitFor();
  assert.deepEqual(await axeViolations(alice.page), [], 'sign-in screen');
  await signUp(alice.page, s.url, 'alice', '爱丽丝');
  await signUp(bob.page, s.url, 'bob', 'Bob');
  assert.equal(await alice.page.locator('nav a[aria-current="page"]').textContent(), '消息');
  assert.equal(await bob.page.locator('nav a[aria-current="page"]').textContent(), 'Chats');

  // Alice starts the chat by username and writes; Bob sees it come in, opens it and answers.
  await alice.page.getByLabel('对方的用户名').fill('bob');
  await alice.page.getByRole('button', { name: '开始聊天' }).click();
  await alice.page.locator('#chat-title', { hasText: 'Bob' }).waitFor();
  await say(alice.page, '你好 Bob，周末一起爬山吗？');
  await bob.page.locator('.conv', { hasText: '爱丽丝' }).locator('.badge').waitFor();
  await openChat(bob.page, '爱丽丝');
  await messageWith(bob.page, '周末一起爬山吗').waitFor();
  await say(bob.page, 'Sure, Saturday morning!');
  await messageWith(alice.page, 'Saturday morning').waitFor();
  // Bob read Alice's message: her copy says so, in Chinese.
  await messageWith(alice.page, '周末一起爬山吗').locator('[data-receipt="read"]', { hasText: '已读' }).waitFor();
  // Typing shows on the other side.
  await bob.page.locator('#composer').pressSequentially('typing');
  await alice.page.locator('.typing', { hasText: '正在输入' }).waitFor();

  // A reload keeps the session and the history.
  await alice.page.reload();
  await alice.page.locator('.conv', { hasText: 'Bob' }).waitFor();
  await openChat(alice.page, 'Bob');
  await messageWith(alice.page, '周末一起爬山吗').waitFor();
  await messageWith(alice.page, 'Saturday morning').waitFor();

  await screenshotsAndAxe(t, alice.page, s.url, bob.page);
  assert.deepEqual([...alice.problems, ...bob.problems], []);
});

/** Every main view in both languages, both themes, phone and desktop: a screenshot each; axe on the desktop ones. */
async function screenshotsAndAxe(t: { diagnostic: (s: string) => void }, page: Page, base: string, other: Page): Promise<void> {
  const conv = decodeURIComponent(new URL(page.url()).pathname.slice('/chat/'.length));
  const problems: string[] = [];
  for (const lang of ['en', 'zh'] as const)
    for (const theme of ['light', 'dark'] as const)
      for (const [size, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.evaluate(`localStorage.setItem('warbler.lang', '${lang}'); localStorage.setItem('warbler.theme', '${theme}')`);
        const views =
          size === 'phone' ? ['/', `/chat/${conv}`, '/settings', '/search'] : [`/chat/${conv}`, '/contacts', '/settings', '/search'];
        for (const path of views) {
          await page.goto(`${base}${path}`);
          await page.getByRole('navigation').or(page.locator('#chat-title')).first().waitFor();
          if (path.startsWith('/chat/')) await messageWith(page, 'Saturday morning').waitFor();
          if (path === '/settings') await page.getByRole('group').nth(3).waitFor();
          const name = `${path === '/' ? 'chats' : path.split('/')[1]}-${lang}-${theme}-${size}`;
          await shoot(page, name);
          // axe on the desktop views in both themes (contrast differs); the language changes no rule's outcome.
          if (size === 'desktop' && lang === 'en') for (const v of await axeViolations(page)) problems.push(`${name}: ${v}`);
        }
      }
  await shoot(other, 'chat-en-dark-phone-bob');
  t.diagnostic(`screenshots in ${ARTIFACTS}`);
  assert.deepEqual(problems, []);
}

test(
  'a group of three: a mention with autocomplete, a reaction, an edit and a recall are seen by the others live; search finds 树莓派',
  opts,
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const browser = await launch(t);
    const [carol, dave, erin] = await Promise.all([
      person(browser, { locale: 'en-US' }),
      person(browser, { locale: 'zh-CN' }),
      person(browser, { locale: 'en-US', viewport: PHONE }),
    ]);
    await signUp(carol.page, s.url, 'carol', 'Carol');
    await signUp(dave.page, s.url, 'dave', 'Dave');
    await signUp(erin.page, s.url, 'erin', 'Erin');

    await carol.page.getByRole('button', { name: 'New group' }).click();
    await carol.page.getByLabel('Group name').fill('Makers 创客');
    await carol.page.getByLabel(/Members/).fill('dave, erin');
    await carol.page.getByRole('button', { name: 'Create group' }).click();
    await carol.page.locator('#chat-title', { hasText: 'Makers 创客' }).waitFor();
    await openChat(dave.page, 'Makers 创客');
    await openChat(erin.page, 'Makers 创客');

    // A mention picked from the autocomplete with the keyboard.
    const composer = carol.page.locator('#composer');
    await composer.pressSequentially('@da');
    await carol.page.getByRole('option', { name: /Dave/ }).waitFor();
    await composer.press('Enter');
    await composer.pressSequentially('我们周末用树莓派搭了一个服务器');
    assert.equal(await composer.inputValue(), '@dave 我们周末用树莓派搭了一个服务器');
    await composer.press('Enter');
    for (const p of [dave.page, erin.page]) await messageWith(p, '树莓派').locator('.mention', { hasText: '@dave' }).waitFor();

    // Dave reacts; Carol and Erin see it.
    await act(dave.page, '树莓派', '用 👍 回应');
    for (const p of [carol.page, erin.page]) await messageWith(p, '树莓派').locator('.reaction', { hasText: '👍 1' }).waitFor();

    // Carol edits her message; the others see the new text, marked edited.
    await act(carol.page, '树莓派', 'Edit');
    await composer.fill('@dave 我们周末用树莓派搭了一个家庭服务器');
    await composer.press('Enter');
    await messageWith(dave.page, '家庭服务器').locator('.edited', { hasText: '已编辑' }).waitFor();
    await messageWith(erin.page, '家庭服务器').locator('.edited', { hasText: 'edited' }).waitFor();

    // Carol sends one more and recalls it; the others see that it was recalled.
    await say(carol.page, 'oops, wrong group');
    await messageWith(erin.page, 'oops, wrong group').waitFor();
    await act(carol.page, 'oops, wrong group', 'Recall');
    await erin.page.locator('li.msg .recalled', { hasText: 'This message was recalled' }).waitFor();
    await dave.page.locator('li.msg .recalled', { hasText: '此消息已撤回' }).waitFor();
    assert.equal(await messageWith(erin.page, 'oops').count(), 0);

    // Search finds 树莓派 inside the sentence and highlights it.
    // On a phone the chat fills the screen: back to the list, then to search.
    await erin.page.getByRole('button', { name: 'Back to chats' }).click();
    await erin.page.getByRole('link', { name: 'Search' }).click();
    await erin.page.getByLabel('Search messages').fill('树莓派');
    await erin.page.getByLabel('Search messages').press('Enter');
    const hit = erin.page.locator('.results li', { hasText: '家庭服务器' });
    await hit.waitFor();
    assert.equal(await hit.locator('mark').textContent(), '树莓派');
    await shoot(erin.page, 'search-en-light-phone');
    assert.deepEqual(await axeViolations(erin.page), [], 'search results');
    assert.deepEqual([...carol.problems, ...dave.problems, ...erin.problems], []);
  },
);

test('an admin disabling an account signs its open tab out, saying why', opts, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const browser = await launch(t);
  const frank = await person(browser, { locale: 'en-US' });
  const grace = await person(browser, { locale: 'zh-CN', viewport: PHONE });
  await signUp(frank.page, s.url, 'frank', 'Frank');
  await signUp(grace.page, s.url, 'grace', 'Grace');
  await frank.page.getByLabel('Username to chat with').fill('grace');
  await frank.page.getByRole('button', { name: 'Start chat' }).click();
  await say(frank.page, 'first, while online');
  await openChat(grace.page, 'Frank');
  await messageWith(grace.page, 'first, while online').waitFor();

  // The operator disables Grace: her open tab is signed out and tells her why.
  const key = await apiKey(s, 'users:write');
  assert.equal((await adminFetch(s, '/api/admin/users/grace/disable', { key, method: 'POST' })).status, 200);
  await grace.page.getByRole('alert').filter({ hasText: '该账号已被管理员停用' }).waitFor();
  await grace.page.getByRole('heading', { name: '登录' }).waitFor();
  await grace.page.reload();
  await grace.page.getByRole('heading', { name: '登录' }).waitFor();
  assert.deepEqual(
    frank.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(p)),
    [],
  );
});
