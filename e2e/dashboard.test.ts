/**
 * The dashboard in Debian's Chromium against a real hub process with its built-in simulator:
 * the map draws, live values change, the picture is saved for a person to look at.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_ACCESS, ROLE_HOME } from '../protocol/index.ts';
import { readFileSync } from 'node:fs';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // 5x: a detector report every second, so "a value changes" takes seconds, not minutes.
  // A weekday at 10:00 (sim/scenarios/normal-weekday.json), whatever the wall clock says: at night
  // no trams run and the garages are closed, and the transit/parking lists would rightly stay empty.
  hub = await startHub({ SIM: 'on', SIM_SPEED: '5', SIM_SCENARIO: 'sim/scenarios/normal-weekday.json' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  // The hub (SIM=on) wrote random demo credentials at first start: log in as the operator.
  const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
  await page.goto(`${hub.url}/login`);
  await page.getByLabel('Benutzername').fill('operator');
  await page.getByLabel('Passwort').fill(demo.passwords.operator!);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${hub.url}${ROLE_HOME.operator}`);
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** Fraction of sampled pixels that differ from the most common colour: 0 for a blank canvas. */
async function canvasVariety(p: Page): Promise<number> {
  const shot = await p.locator('[data-testid="map"] canvas').first().screenshot();
  return p.evaluate(async (b64) => {
    // Decoded from bytes, not fetched: the page's CSP (rightly) forbids fetching data: URLs.
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(img.width, img.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    const counts = new Map<number, number>();
    let n = 0;
    for (let i = 0; i < d.length; i += 4 * 97) {
      const key = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      n++;
    }
    return 1 - Math.max(...counts.values()) / n;
  }, shot.toString('base64'));
}

describe('dashboard', () => {
  it('shows the live Duisburg map with a value that changes', async () => {
    const t0 = Date.now();
    await page.goto(hub.url);
    await expect.poll(() => page.locator('[data-testid="map"]').getAttribute('data-ready'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => page.locator('[data-testid="status"]').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    const count = Number(await page.locator('[data-testid="tls-count"]').textContent());
    expect(count).toBeGreaterThanOrEqual(5);

    const first = await page.locator('[data-testid="city-flow"]').textContent();
    await expect.poll(() => page.locator('[data-testid="city-flow"]').textContent(), { timeout: 15_000 }).not.toBe(first);
    expect(Date.now() - t0).toBeLessThan(45_000);

    // The canvas shows a map (water, roads, points), not one flat colour.
    expect(await canvasVariety(page)).toBeGreaterThan(0.05);
    await page.screenshot({ path: join(screenshotDir(), 'dashboard.png') });
  });

  it('selecting an installation opens its details with a history chart that grows', async () => {
    let historyRequests = 0;
    const onRequest = (r: { url(): string }) => void (r.url().includes('/api/history') && historyRequests++);
    page.on('request', onRequest);
    await page.locator('[data-testid="tls-list"] button').first().click();
    const chart = page.locator('[data-testid="chart"]');
    await expect.poll(() => chart.getAttribute('data-status'), { timeout: 10_000 }).toBe('ok');
    // The line starts with the stored history and keeps the points it has as live ones arrive:
    // the count grows instead of starting over (a chart reloading itself on every update once
    // showed an empty plot while this test passed).
    const first = Number(await chart.getAttribute('data-points'));
    expect(first).toBeGreaterThan(1);
    const flow = page.locator('[data-testid="selected-flow"]');
    const before = await flow.textContent();
    await expect.poll(() => flow.textContent(), { timeout: 15_000 }).not.toBe(before);
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(first);
    expect(historyRequests).toBe(1);
    page.off('request', onRequest);
    await page.screenshot({ path: join(screenshotDir(), 'dashboard-details.png') });
  });

  it('served everything from its own origin and logged no errors', async () => {
    const foreign = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => e.name).filter((u) => !u.startsWith(location.origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
    );
    expect(foreign).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

describe('dashboard: every family', () => {
  const LAYER_FAMILIES = ['tls', 'transit', 'transitLines', 'parking', 'lighting', 'lampFaults', 'environment', 'construction', 'drone'] as const;
  const familyOf = (k: (typeof LAYER_FAMILIES)[number]) => (k === 'transitLines' ? 'transit' : k);

  it('offers a switch for every layer the role may see, and none for the others', async () => {
    // This page is logged in as `operator` (see beforeAll): no drone, no lamp-fault detail.
    for (const k of LAYER_FAMILIES) {
      const allowed = (FAMILY_ACCESS[familyOf(k)] as readonly string[]).includes('operator');
      await expect.poll(() => page.locator(`[data-testid="layer-toggle-${k}"]`).count()).toBe(allowed ? 1 : 0);
    }
    expect(await page.locator('[data-testid="tab-drone"]').count()).toBe(0);
    const toggle = page.locator('[data-testid="layer-toggle-parking"]');
    await toggle.uncheck();
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    expect(await toggle.isChecked()).toBe(true);
  });

  it('fills the transit and parking lists within 20 s', async () => {
    await page.locator('[data-testid="tab-transit"]').click();
    await expect.poll(() => page.locator('[data-testid="transit-list"] tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.locator('[data-testid="tab-parking"]').click();
    await expect.poll(() => page.locator('[data-testid="parking-list"] [data-testid="parking-row"]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshotDir(), 'dashboard-families.png') });
    await page.locator('[data-testid="tab-traffic"]').click();
  });

  it('still logged no errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
