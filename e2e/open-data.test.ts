/**
 * The public open data page (/open): reachable without a login (no redirect to /login), lists
 * every dataset of GET /api/open with its format, update interval and licence, and its links
 * answer anonymously.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenIndex } from '../protocol/index.ts';
import { launchBrowser, screenshotDir, startHub, type Hub } from './browser.ts';

let hub: Hub;
let browser: Browser;

beforeAll(async () => {
  hub = await startHub({ SIM: 'on', SIM_SPEED: '5', SIM_SCENARIO: 'sim/scenarios/normal-weekday.json' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('open data page', () => {
  it('lists every dataset without a login', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/open`);
    await page.locator('table.datasets tbody tr').first().waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/open');
    const index = (await (await fetch(`${hub.url}/api/open`)).json()) as OpenIndex;
    const rows = page.locator('table.datasets tbody tr');
    expect(await rows.count()).toBe(index.datasets.length);
    const text = await page.locator('table.datasets').innerText();
    for (const d of index.datasets) {
      expect(text).toContain(d.title);
      expect(text).toContain(d.url);
    }
    expect(text).toContain('dl-de/by-2-0');
    expect(text).toContain('GTFS-Realtime');
    // The page's own links work for an anonymous browser (same cookies: none).
    const geo = await page.request.get(`${hub.url}/api/open/geojson/parking`);
    expect(geo.status()).toBe(200);
    await page.screenshot({ path: join(screenshotDir(), 'open-data.png'), fullPage: true });
    await ctx.close();
  });
});
