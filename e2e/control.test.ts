/**
 * Signal control in the browser: an operator switches an installation to advisory, has a re-timing
 * proposal computed, sees its predicted effect and the two plans, approves it, and the simulated
 * controller runs the approved plan (the panel shows the command running). A `utility` user sees
 * no control panel and no approve button, and the hub refuses the REST call. Screenshots:
 * test-results/screenshots/control-proposal.png, control-running.png.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERSECTIONS } from '../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../sim/run.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let sim: RunningSim;
let browser: Browser;
const contexts: BrowserContext[] = [];
const SITE = INTERSECTIONS[0]!;
const ADMIN = { username: 'e2e-admin', password: 'e2e-admin-password-control' };
const PW = 'correct-horse-battery-staple';

async function adminCreate(username: string, role: string): Promise<void> {
  const login = await fetch(`${hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const r = await fetch(`${hub.url}/api/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ username, password: PW, role }),
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`create ${username}: HTTP ${r.status} ${await r.text()}`);
}

async function loggedIn(username: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto(`${hub.url}/login`);
  await page.getByLabel('Benutzername').fill(username);
  await page.getByLabel('Passwort').fill(PW);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="status"][data-state="live"]').waitFor({ timeout: 20_000 });
  return page;
}

/** Opens the installation's details from the list of busiest installations (the only one here). */
async function selectSite(page: Page): Promise<void> {
  // Each role's view opens on its own tab (the utility view on "Versorgung").
  await page.locator('[data-testid="tab-traffic"]').click();
  const item = page.locator('[data-testid="tls-list"] button').first();
  await item.waitFor({ timeout: 20_000 });
  await item.click();
  await page.locator('[data-testid="details"]').waitFor({ timeout: 10_000 });
}

beforeAll(async () => {
  hub = await startHub({ SIM: 'off', ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  await adminCreate('e2e-operator', 'operator');
  await adminCreate('e2e-utility', 'utility');
  // One simulated installation of our own, at 10x: its controller switches plans within seconds.
  sim = await runSimulator({ url: `mqtt://127.0.0.1:${hub.mqttPort}`, speed: 10, seed: 4, intersections: [SITE] });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await sim?.stop();
  await hub?.stop();
}, 30_000);

describe('signal control in the browser', () => {
  it('an operator approves a proposal and the running plan changes', async () => {
    const page = await loggedIn('e2e-operator');
    await selectSite(page);
    const panel = page.locator('[data-testid="control-panel"]');
    await panel.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="control-mode"]').getAttribute('data-mode')).toBe('fixed');

    await page.locator('[data-testid="mode-advisory"]').click();
    await page.locator('[data-testid="mode-reason"]').fill('E2E: Beratung');
    await page.locator('[data-testid="mode-apply"]').click();
    await expect.poll(() => page.locator('[data-testid="control-mode"]').getAttribute('data-mode'), { timeout: 10_000 }).toBe('advisory');

    // The proposal needs measured demand: until the first flows are in, the hub says E_NO_DATA.
    const proposal = page.locator('[data-testid="proposal"][data-state="pending"]');
    for (let i = 0; i < 30 && (await proposal.count()) === 0; i++) {
      await page.locator('[data-testid="proposal-compute"]').click();
      await proposal.waitFor({ timeout: 1_000 }).catch(() => undefined);
    }
    await proposal.waitFor({ timeout: 5_000 });
    const planId = (await proposal.locator('header strong').textContent())!.replace('Vorschlag ', '').trim();
    expect(planId).toMatch(/^wst-/);
    expect(await page.locator('[data-testid="proposal-effect"]').textContent()).toMatch(/Wartezeit.*s\/Fz/);
    expect(await page.locator('[data-testid="plan-compare"] rect.prop').count()).toBeGreaterThan(0);
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(screenshotDir(), 'control-proposal.png') });

    await page.locator('[data-testid="proposal-approve"]').click();
    await expect.poll(() => page.locator('[data-testid="proposal"]').getAttribute('data-state'), { timeout: 10_000 }).toBe('approved');
    // Ack, then the controller switches at its next cycle boundary (≤ 12 s at 10x).
    const hubState = () => page.evaluate(async (id) => JSON.stringify((await (await fetch(`/api/control/state?tlsId=${id}`)).json()) as unknown), SITE.id);
    await expect
      .poll(() => page.locator('[data-testid="control-command"]').getAttribute('data-state'), { timeout: 60_000 })
      .toBe('running')
      .catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}; the hub says ${await hubState()}`);
      });
    await expect.poll(() => page.locator('[data-testid="control-running"]').textContent(), { timeout: 10_000 }).toContain(planId);
    // The hub agrees: the controller's own state says it runs the approved plan.
    const tlsPlan = await page.evaluate(async (id) => {
      const r = await fetch(`/api/control/state?tlsId=${id}`);
      return ((await r.json()) as { states: { runningPlanId: string }[] }).states[0]?.runningPlanId;
    }, SITE.id);
    expect(tlsPlan).toBe(planId);
    await panel.screenshot({ path: join(screenshotDir(), 'control-running.png') });
    await page.screenshot({ path: join(screenshotDir(), 'control-ops.png') });

    // Manual override: hold a stage for 5 min with a reason; the countdown runs; released early.
    await page.locator('[data-testid="override-open"]').click();
    await page.locator('[data-testid="override-hold"]').check();
    await page.locator('[data-testid="override-minutes"]').selectOption('5');
    await page.locator('[data-testid="override-reason"]').fill('E2E: Polizei regelt');
    await page.locator('[data-testid="override-submit"]').click();
    const banner = page.locator('[data-testid="override-banner"]');
    await banner.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="control-mode"]').getAttribute('data-mode')).toBe('manual');
    expect(await banner.textContent()).toContain('E2E: Polizei regelt');
    expect(await page.locator('[data-testid="override-countdown"]').textContent()).toMatch(/^[45]:\d\d$/);
    // The simulated controller follows the stage requests (adaptive mode).
    await expect.poll(() => page.locator('[data-testid="control-running"]').textContent(), { timeout: 20_000 }).toContain('adaptiv');
    await panel.screenshot({ path: join(screenshotDir(), 'control-override.png') });
    await page.locator('[data-testid="override-release"]').click();
    await expect.poll(() => page.locator('[data-testid="control-mode"]').getAttribute('data-mode'), { timeout: 10_000 }).toBe('advisory');
    expect(await banner.count()).toBe(0);
    // The next test logs in a second browser: this map stops drawing first (software WebGL is slow).
    await page.context().close();
  }, 240_000);

  it('a utility user sees no approve button, and the hub refuses the call', async () => {
    const page = await loggedIn('e2e-utility');
    await selectSite(page);
    await page.locator('[data-testid="signal-ring"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="control-panel"]').count()).toBe(0);
    expect(await page.locator('[data-testid="proposal-approve"]').count()).toBe(0);
    const status = await page.evaluate(async () => {
      const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string };
      const r = await fetch('/api/control/approve', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: JSON.stringify({ proposalId: 'P-any' }) });
      const s = await fetch('/api/control/state');
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code, s.status];
    });
    expect(status).toEqual([403, 'E_FORBIDDEN', 403]);
  }, 60_000);
});
