/**
 * Console comforts in the browser: the shortcut help (`?`, Escape), `A` acknowledges a freshly
 * raised high-priority alarm, the theme and mute toggles persist across a reload, the header's KPI
 * sparklines render, and a wall display gets neither tone nor mute control. Ends with a screenshot of
 * the light theme (test-results/screenshots/console-light.png).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { raiseCabinetFault } from './fixtures.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const CAB = 'E2ECONS1';
const ALARM = `cabinet:${CAB}|fault`;

/** A cabinet of our own that reports a supply failure: a new high-priority alarm. */
const raiseCabinetAlarm = () => raiseCabinetFault(hub.mqttPort, CAB);

beforeAll(async () => {
  hub = await startHub({ SIM: 'on', SIM_SPEED: '1' });
  browser = await launchBrowser();
  const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
  // One context for the whole file: localStorage (theme, mute) lives in it across reloads.
  ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  page = await ctx.newPage();
  await page.goto(`${hub.url}/login`);
  await page.getByLabel('Benutzername').fill('operator');
  await page.getByLabel('Passwort').fill(demo.passwords.operator!);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="status"][data-state="live"]').waitFor({ timeout: 20_000 });
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await hub?.stop();
});

describe('console comforts', () => {
  it('? opens the shortcut help, Escape closes it', async () => {
    const help = page.locator('[data-testid="shortcut-help"]');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    await expect.poll(() => help.count()).toBe(1);
    expect(await help.textContent()).toContain('Tastenkürzel');
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
  });

  it('A acknowledges a freshly raised high-priority alarm (and the tone is triggered)', async () => {
    const mute = page.locator('[data-testid="mute-toggle"]');
    const tonesBefore = Number(await mute.getAttribute('data-tone-count'));
    await raiseCabinetAlarm();
    const row = page.locator(`[data-alarm="${ALARM}"]`);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('UNACK');
    expect(await row.getAttribute('class')).toContain('prio-high');
    await expect.poll(async () => Number(await mute.getAttribute('data-tone-count')), { timeout: 5_000 }).toBeGreaterThan(tonesBefore);
    // Focus in a text field: shortcuts stay quiet.
    await row.locator('[data-testid="shelve-open"]').click();
    await row.locator('[data-testid="shelve-reason"]').fill('a');
    expect(await row.getAttribute('data-state')).toBe('UNACK');
    await row.locator('[data-testid="shelve-open"]').click(); // close the form again
    // `A` takes the newest unacknowledged alarm; should the simulator raise a newer one meanwhile, press again.
    for (let i = 0; i < 5 && (await row.getAttribute('data-state')) !== 'ACKED'; i++) {
      await page.keyboard.press('a');
      await expect
        .poll(() => row.getAttribute('data-state'), { timeout: 5_000 })
        .toBe('ACKED')
        .catch(() => undefined);
    }
    expect(await row.getAttribute('data-state')).toBe('ACKED');
  });

  it('the KPI sparklines render with values', async () => {
    for (const k of ['flow', 'punct', 'parking', 'alarms']) {
      const kpi = page.locator(`[data-testid="spark-${k}"]`);
      expect(await kpi.locator('svg').count()).toBe(1);
      const value = async () => (await kpi.locator('[data-kpi-value]').textContent())?.trim() ?? '';
      await expect.poll(value, { timeout: 15_000, message: `value of ${k}` }).not.toBe('');
      // A number; or "—" for punctuality while no transit vehicle reports a delay (the simulator may run without one).
      if (k === 'punct') expect(await value()).toMatch(/^(\d+|—)$/);
      else await expect.poll(value, { timeout: 15_000, message: `value of ${k}` }).toMatch(/\d/);
      expect(await kpi.getAttribute('title')).toMatch(/,\s*(Kfz\/h|%|Plätze|Anzahl)/);
    }
    // The first sample lands after ~2 s: a line (path) or at least a point appears.
    await expect.poll(() => page.locator('[data-testid="spark-flow"] svg circle').count(), { timeout: 10_000 }).toBe(1);
  });

  it('the mute toggle and the theme toggle persist across a reload', async () => {
    const html = page.locator('html');
    expect(await html.getAttribute('data-theme')).toBe('dark');
    const mute = page.locator('[data-testid="mute-toggle"]');
    expect(await mute.getAttribute('data-muted')).toBe('false');
    expect(await mute.textContent()).toContain('Ton an');
    await mute.click();
    expect(await mute.getAttribute('data-muted')).toBe('true');
    expect(await mute.textContent()).toContain('Ton aus');
    // M toggles too.
    await page.keyboard.press('m');
    expect(await mute.getAttribute('data-muted')).toBe('false');
    await page.keyboard.press('m');
    expect(await mute.getAttribute('data-muted')).toBe('true');

    await page.locator('[data-testid="theme-toggle"]').click();
    expect(await html.getAttribute('data-theme')).toBe('light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(243, 245, 248)');

    await page.reload();
    await expect.poll(() => page.locator('[data-testid="status"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    await expect.poll(() => html.getAttribute('data-theme')).toBe('light');
    expect(await page.locator('[data-testid="mute-toggle"]').getAttribute('data-muted')).toBe('true');
  });

  it('1–5 switch tabs, L toggles the layer panel; screenshot of the light theme', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('2');
    expect(await page.locator('[data-testid="tab-transit"]').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('1');
    expect(await page.locator('[data-testid="tab-traffic"]').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('[data-testid="layer-toggle-tls"]').count()).toBe(1);
    await page.keyboard.press('l');
    expect(await page.locator('[data-testid="layer-toggle-tls"]').count()).toBe(0);
    await page.keyboard.press('l');
    expect(await page.locator('[data-testid="layer-toggle-tls"]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid="spark-flow"] svg circle').count(), { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(1_500); // map tiles and layers settle
    await page.screenshot({ path: join(screenshotDir(), 'console-light.png') });
    await page.keyboard.press('?');
    await page.screenshot({ path: join(screenshotDir(), 'console-help-light.png') });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="theme-toggle"]').click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.screenshot({ path: join(screenshotDir(), 'console-dark.png') });
  });

  it('a wall display gets no tone, no mute control and no alarm shortcut', async () => {
    const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
    const wctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const wall = await wctx.newPage();
    await wall.goto(`${hub.url}/ops?display=${demo.displayToken}`);
    await expect.poll(() => wall.locator('[data-testid="status"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    expect(await wall.locator('[data-testid="mute-toggle"]').count()).toBe(0);
    expect(await wall.locator('[data-testid="sound-hint"]').count()).toBe(0);
    expect(await wall.locator('[data-testid="spark-alarms"]').count()).toBe(0);
    await wall.keyboard.press('?');
    const help = wall.locator('[data-testid="shortcut-help"]');
    await expect.poll(() => help.count()).toBe(1);
    expect(await help.textContent()).not.toContain('quittieren');
    await wctx.close();
  });
});
