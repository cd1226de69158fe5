import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './sdk-page.js';

/** Tests that need Debian's Chromium (never a browser download) are skipped with this reason when it is missing. */
export const NO_CHROMIUM = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`;

/** Where the web app's screenshots go: test-artifacts/web/ at the repository's root (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test-artifacts', 'web');

export const PHONE = { width: 375, height: 667 };
export const DESKTOP = { width: 1280, height: 800 };

/** Debian's Chromium, headless, closed after the test (the SDK's browser tests launch it the same way). */
export const launch = launchChromium;

/** A browser profile of its own (one person), in a language and a colour scheme, at a size. */
export async function person(
  browser: Browser,
  opts: { locale: 'zh-CN' | 'en-US'; colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    locale: opts.locale,
    colorScheme: opts.colorScheme ?? 'light',
    viewport: opts.viewport ?? DESKTOP,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  return { context, page, problems };
}

/** Signs up through the app's form (the test server's registration is open). Labels in either language. */
export async function signUp(page: Page, base: string, username: string, displayName = username): Promise<void> {
  await page.goto(`${base}/`);
  await page
    .getByRole('button', { name: /Sign up|注册/ })
    .last()
    .click();
  await page.getByLabel(/^(Username|用户名)$/).fill(username);
  await page.getByLabel(/^(Password|密码)$/).fill('a long password');
  await page.getByLabel(/Display name|昵称/).fill(displayName);
  await page.locator('form.card button.primary').click();
  await page.getByRole('navigation').waitFor();
}

/** Opens a conversation from the list by its title. */
export async function openChat(page: Page, title: string): Promise<void> {
  await page.locator('.conv', { hasText: title }).first().click();
  await page.locator('#chat-title', { hasText: title }).waitFor();
}

/** Writes and sends a message with the keyboard (Enter sends). */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator('#composer').fill(text);
  await page.locator('#composer').press('Enter');
}

/** The list item of the message holding `text`. */
export function messageWith(page: Page, text: string) {
  return page.locator('li.msg', { hasText: text });
}

/** Opens a message's actions and presses the one named `name` (e.g. "React with 👍", "Edit"). */
export async function act(page: Page, text: string, name: string | RegExp): Promise<void> {
  const item = messageWith(page, text).first();
  await item.locator('button.more').click();
  await item.getByRole('button', { name }).click();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const found = (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) })))`)) as {
    id: string;
    impact: string;
    targets: string[];
  }[];
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Saves a screenshot as test-artifacts/web/<name>.png. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
