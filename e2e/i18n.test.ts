/**
 * Language, daylight map and alarm grouping in the browser, against a real hub with its simulator:
 *   - the console follows the browser's language (en-US -> English), the header switch turns a German
 *     console English, and the choice survives a reload;
 *   - the light theme swaps the MapLibre base style (style name from the DOM) and the deck.gl overlay
 *     still draws on it (layers present, canvas not blank, differs from the dark picture);
 *   - "group by cause" folds two cabinet faults of the test's own into one group row with a count,
 *     and "acknowledge all" acknowledges both through the per-alarm path.
 * Screenshots for people: docs/screenshots/ops-en.png, ops-light.png, alarms-grouped.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { de } from '../src/lib/i18n/de.ts';
import { en } from '../src/lib/i18n/en.ts';
import { raiseCabinetFault } from './fixtures.ts';
import { launchBrowser, startHub } from './browser.ts';

const docShots = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
let password: string;
const errors: string[] = [];

const t0 = Date.now();
const mark = (what: string) => process.env.E2E_TRACE && console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

async function login(ctx: BrowserContext, path = '/ops'): Promise<Page> {
  mark(`login ${path}`);
  const page = await ctx.newPage();
  // Software GL with the whole city animating, on a shared 2-core box: one input can wait seconds.
  page.setDefaultTimeout(90_000);
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${hub.url}/login?next=${encodeURIComponent(path)}`);
  await page.locator('#username').fill('operator');
  await page.locator('#password').fill(password);
  await page.keyboard.press('Enter');
  mark('logged in');
  // Generous: software GL on a shared 2-core CI box draws the first frame slowly.
  await page.locator('[data-testid="status"][data-state="live"]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="map"][data-ready="true"]').waitFor({ timeout: 60_000 });
  mark('map ready');
  return page;
}

/** Fraction of sampled pixels that differ from the most common colour: 0 for a blank canvas. */
async function canvasVariety(p: Page): Promise<{ variety: number; mean: number }> {
  const shot = await p.locator('[data-testid="map"] canvas').first().screenshot();
  return p.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(img.width, img.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    const counts = new Map<number, number>();
    let n = 0;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4 * 97) {
      counts.set((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!, (counts.get((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!) ?? 0) + 1);
      sum += (d[i]! + d[i + 1]! + d[i + 2]!) / 3;
      n++;
    }
    return { variety: 1 - Math.max(...counts.values()) / n, mean: sum / n };
  }, shot.toString('base64'));
}

beforeAll(async () => {
  // A weekday at 10:00 so the garages and trams are out, whatever the wall clock says.
  hub = await startHub({ SIM: 'on', SIM_SPEED: '1', SIM_SCENARIO: 'sim/scenarios/normal-weekday.json' });
  browser = await launchBrowser();
  password = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8')).passwords.operator!;
  mkdirSync(docShots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('German and English', () => {
  it('an English browser gets English, a German console switches to English and keeps it after a reload', async () => {
    // No stored choice: the browser's language decides (en-US -> English), also on the login page.
    const enCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const enLogin = await enCtx.newPage();
    await enLogin.goto(`${hub.url}/login`);
    expect(await enLogin.locator('label[for="username"]').textContent()).toBe(en['login.username']);
    expect(await enLogin.evaluate(() => document.documentElement.lang)).toBe('en');
    await enCtx.close();

    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } }); // de-DE (browser.ts)
    const page = await login(ctx, '/ops?lon=6.772&lat=51.433&z=14.5');
    const h1 = page.locator('header h1');
    const alarmsTitle = page.locator('[data-testid="alarm-list"] h2');
    expect(await h1.textContent()).toContain(de['view.ops']);
    expect(await alarmsTitle.textContent()).toContain(de['alarms.title']);
    expect(await page.locator('[data-testid="tab-traffic"]').textContent()).toBe(de['tab.traffic']);
    expect(await page.locator('.clock').innerText()).toMatch(/MES?Z/);

    await page.locator('[data-testid="locale-en"]').click();
    await expect.poll(() => h1.textContent(), { timeout: 30_000 }).toContain(en['view.ops']);
    expect(await alarmsTitle.textContent()).toContain(en['alarms.title']);
    expect(await page.locator('[data-testid="tab-traffic"]').textContent()).toBe(en['tab.traffic']);
    expect(await page.locator('[data-testid="alarm-group-toggle"]').locator('..').textContent()).toContain(en['alarms.groupToggle']);
    expect(await page.locator('[data-testid="logout"]').textContent()).toBe(en['header.logout']);
    // Europe/Berlin with the zone, in English: CET / CEST.
    expect(await page.locator('.clock').innerText()).toMatch(/CES?T/);
    expect(await page.locator('[data-testid="locale-switch"]').getAttribute('data-locale')).toBe('en');

    await page.reload();
    await page.locator('[data-testid="status"]').waitFor();
    await expect.poll(() => page.locator('header h1').textContent(), { timeout: 45_000 }).toContain(en['view.ops']);
    expect(await page.locator('[data-testid="alarm-list"] h2').textContent()).toContain(en['alarms.title']);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.locator('[data-testid="map"][data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="status"][data-state="live"]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2_000);
    await page.screenshot({ path: join(docShots, 'ops-en.png') });

    // Back to German: the same switch, the same persistence.
    await page.locator('[data-testid="locale-de"]').click();
    await expect.poll(() => page.locator('header h1').textContent(), { timeout: 30_000 }).toContain(de['view.ops']);
    await ctx.close();
  }, 400_000);
});

describe('daylight map', () => {
  it('the light theme switches the base style and the overlay still draws on it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await login(ctx, '/ops?lon=6.772&lat=51.433&z=14.5');
    // Moving vehicles redraw the map 20 times a second; this test is about the still picture.
    await page.locator('[data-testid="layer-toggle-transit"]').uncheck();
    const map = page.locator('[data-testid="map"]');
    await expect.poll(() => map.getAttribute('data-style-name'), { timeout: 45_000 }).toContain('(dark)');
    await expect.poll(async () => Number(await map.getAttribute('data-deck-layers')), { timeout: 45_000 }).toBeGreaterThan(5);
    await page.waitForTimeout(1_500);
    const dark = await canvasVariety(page);

    await page.locator('[data-testid="theme-toggle"]').click();
    await expect.poll(() => map.getAttribute('data-style-name'), { timeout: 45_000 }).toContain('(light)');
    expect(await map.getAttribute('data-style-theme')).toBe('light');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(Number(await map.getAttribute('data-deck-layers'))).toBeGreaterThan(5);
    await page.waitForTimeout(1_500);
    const light = await canvasVariety(page);
    // Not blank, and really the daylight picture: much brighter than the dark one.
    expect(light.variety).toBeGreaterThan(0.05);
    expect(light.mean).toBeGreaterThan(dark.mean + 60);
    // The overlay's labels survived setStyle: the collision pass keeps some, and deck.gl drew them.
    expect(Number(await map.getAttribute('data-labels'))).toBeGreaterThan(3);
    await page.screenshot({ path: join(docShots, 'ops-light.png') });

    // The theme persists with the console, and the map starts light after a reload.
    await page.reload();
    await expect.poll(() => page.locator('[data-testid="map"]').getAttribute('data-style-name'), { timeout: 30_000 }).toContain('(light)');
    await page.locator('[data-testid="theme-toggle"]').click();
    await expect.poll(() => page.locator('[data-testid="map"]').getAttribute('data-style-name'), { timeout: 45_000 }).toContain('(dark)');
    await ctx.close();
  }, 400_000);
});

describe('alarm grouping', () => {
  it('groups two cabinet faults into one row with a count, and acknowledges the group', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await login(ctx);
    await page.locator('[data-testid="layer-toggle-transit"]').uncheck();
    const a1 = await raiseCabinetFault(hub.mqttPort, 'E2EGRP1');
    const a2 = await raiseCabinetFault(hub.mqttPort, 'E2EGRP2');
    await page.locator(`[data-alarm="${a1}"]`).waitFor({ timeout: 45_000 });
    await page.locator(`[data-alarm="${a2}"]`).waitFor({ timeout: 45_000 });

    await page.locator('[data-testid="alarm-group-toggle"]').check();
    // Cabinet faults carry no cause of their own: grouped by type (condition) and area.
    const group = page.locator('[data-testid="alarm-group"][data-group="type:fault|utility"]');
    await group.waitFor({ timeout: 45_000 });
    expect(Number(await group.getAttribute('data-count'))).toBeGreaterThanOrEqual(2);
    expect(await group.locator('[data-testid="alarm-group-count"]').textContent()).toMatch(/^\d+ Alarme$/);
    expect(await group.getAttribute('class')).toContain('prio-high');
    // Collapsed: the members are behind the group row until it is opened.
    expect(await page.locator(`[data-alarm="${a1}"]`).count()).toBe(0);
    await group.locator('.grouphead').click();
    await page.locator(`[data-alarm="${a1}"]`).waitFor();
    await page.locator(`[data-alarm="${a2}"]`).waitFor();
    await page.waitForTimeout(500);
    await page.locator('[data-testid="alarm-list"]').screenshot({ path: join(docShots, 'alarms-grouped.png') });

    // The toggle is a console preference: still grouped after a reload.
    await page.reload();
    await page.locator('[data-testid="alarm-group"][data-group="type:fault|utility"]').waitFor({ timeout: 45_000 });
    await page.locator('[data-testid="alarm-group"][data-group="type:fault|utility"] [data-testid="ack-group"]').click();
    await expect.poll(() => page.locator('[data-testid="alarm-action-note"]').textContent(), { timeout: 45_000 }).toMatch(/^(\d+) von \1 quittiert$/);
    await page.locator('[data-testid="alarm-group"][data-group="type:fault|utility"] .grouphead').click();
    await expect.poll(() => page.locator(`[data-alarm="${a1}"]`).getAttribute('data-state'), { timeout: 45_000 }).toBe('ACKED');
    expect(await page.locator(`[data-alarm="${a2}"]`).getAttribute('data-state')).toBe('ACKED');
    // Ungrouped again: the plain list shows the same alarms one per row.
    await page.locator('[data-testid="alarm-group-toggle"]').uncheck();
    expect(await page.locator('[data-testid="alarm-group"]').count()).toBe(0);
    expect(await page.locator(`[data-alarm="${a1}"]`).count()).toBe(1);
    await ctx.close();
    expect(errors).toEqual([]);
  }, 400_000);
});
