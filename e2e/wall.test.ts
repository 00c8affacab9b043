/**
 * The public wall display (/wall?display=TOKEN): cycles through its views without controls, shows
 * the Berlin clock, requests nothing it may not see, shows the "no current data" banner when the
 * hub goes away and recovers by itself (no reload) when a new hub comes up on the same port and
 * data directory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { launchBrowser, screenshotDir, startHub, type Hub } from './browser.ts';

const ENV = { SIM: 'on', SIM_SPEED: '5', SIM_SCENARIO: 'sim/scenarios/normal-weekday.json' };
let hub: Hub;
let browser: Browser;
let token: string;

beforeAll(async () => {
  hub = await startHub(ENV);
  browser = await launchBrowser();
  token = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8')).displayToken!;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

const view = (page: Page) => page.locator('[data-testid="wall-view"]').getAttribute('data-view');

describe('wall display', () => {
  it('cycles views, shows no controls, recovers from a hub restart', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    let loads = 0;
    page.on('load', () => loads++);

    await page.goto(`${hub.url}/wall?display=${token}&cycle=3`);
    await page.locator('[data-testid="wall"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-testid="map"]').getAttribute('data-ready'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => page.locator('[data-testid="wall-banner"]').count(), { timeout: 30_000 }).toBe(0);

    // the views change: at least 3 different ones within 15 s
    const seen = new Set<string>();
    let shot = false;
    const t0 = Date.now();
    while ((seen.size < 3 || !shot) && Date.now() - t0 < 15_000) {
      const v = await view(page);
      if (v) seen.add(v);
      if (v === 'traffic' && !shot) {
        await page.waitForTimeout(1200); // let the map draw this view's layers
        if ((await view(page)) === 'traffic') {
          await page.screenshot({ path: join(screenshotDir(), 'wall-traffic.png') });
          shot = true;
        }
      }
      await page.waitForTimeout(250);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
    for (const v of seen) expect(['traffic', 'transit', 'parking', 'environment']).toContain(v);

    expect(await page.locator('[data-testid="wall-clock"]').innerText()).toMatch(/^\d{2}:\d{2}\s+MES?Z$/);
    // nothing to operate and nothing non-public
    expect(await page.locator('[data-testid="alarm-list"]').count()).toBe(0);
    expect(await page.locator('[data-testid="ack"]').count()).toBe(0);
    expect(await page.locator('[data-testid="wall"] button:visible, [data-testid="wall"] [role="tab"]').count()).toBe(0);
    expect(await page.locator('[data-testid="layer-control"], [data-testid^="tab-"], [data-testid="drone-panel"]').count()).toBe(0);
    expect(requests.filter((u) => /\/api\/admin|drone/i.test(u))).toEqual([]);

    // the hub goes away: the banner appears
    const { port, mqttPort, dataDir } = hub;
    await hub.stop();
    await expect.poll(() => page.locator('[data-testid="wall-banner"]').count(), { timeout: 30_000, interval: 500 }).toBe(1);
    expect(await page.locator('[data-testid="wall-banner"]').innerText()).toContain('Keine aktuellen Daten – Verbindung wird wiederhergestellt');
    await page.screenshot({ path: join(screenshotDir(), 'wall-offline.png') });

    // a new hub on the same port and data directory: live again without a reload
    hub = await startHub(ENV, { port, mqttPort, dataDir });
    await expect.poll(() => page.locator('[data-testid="wall-banner"]').count(), { timeout: 30_000, interval: 500 }).toBe(0);
    await expect.poll(() => page.locator('[data-testid="wall"]').getAttribute('data-live'), { timeout: 30_000, interval: 500 }).toBe('true');
    expect(loads).toBe(1);
    expect(requests.filter((u) => /\/api\/admin|drone/i.test(u))).toEqual([]);
    await ctx.close();
  }, 150_000);

  it('renders at 4K', async () => {
    const ctx = await browser.newContext({ viewport: { width: 3840, height: 2160 } });
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/wall?display=${token}&cycle=600`);
    await expect.poll(() => page.locator('[data-testid="map"]').getAttribute('data-ready'), { timeout: 40_000 }).toBe('true');
    await expect.poll(() => page.locator('[data-testid="wall-banner"]').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.locator('[data-testid="wall-city-flow"]').innerText(), { timeout: 20_000 }).not.toBe('0');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(screenshotDir(), 'wall-4k.png') });
    await ctx.close();
    // and the other views at 1600×900, to look at
    const small = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const p2 = await small.newPage();
    await p2.goto(`${hub.url}/wall?display=${token}&cycle=10`);
    await expect.poll(() => p2.locator('[data-testid="map"]').getAttribute('data-ready'), { timeout: 40_000 }).toBe('true');
    for (const v of ['transit', 'parking', 'environment']) {
      await expect.poll(() => view(p2), { timeout: 40_000, interval: 200 }).toBe(v);
      await p2.waitForTimeout(1500);
      await p2.screenshot({ path: join(screenshotDir(), `wall-${v}.png`) });
    }
    await small.close();
  }, 150_000);
});
