/**
 * The fire brigade's live drone picture in Debian's Chromium, against a real hub with its
 * simulator: the Innenhafen fire scenario sends the drone; the simulator renders its camera and
 * publishes JPEG frames; the fire view shows them on a canvas (changing) and draped on the map.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
let page: Page;
const errors: string[] = [];
/** Refused REST requests (4xx) by URL: a role-scoped refusal elsewhere in the view is not ours. */
const refused: string[] = [];
const INC = { lon: 6.7682, lat: 51.4391 };

beforeAll(async () => {
  // 5x (as the dashboard test): the drone takes off at +2 min and orbits the fire ~2 model minutes
  // later, i.e. ~50 s after the start; faster would starve the hub on a small CI machine.
  hub = await startHub({ SIM: 'on', SIM_SPEED: '5', SIM_SCENARIO: 'sim/scenarios/innenhafen-fire.json' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => r.status() >= 400 && refused.push(`${r.status()} ${new URL(r.url()).pathname}`));
  const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
  await page.goto(`${hub.url}/login`);
  await page.getByLabel('Benutzername').fill('fire');
  await page.getByLabel('Passwort').fill(demo.passwords.fire!);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${hub.url}/fire`);
  // The incident in the middle of the map, close enough to see the picture on its footprint.
  await page.goto(`${hub.url}/fire?lon=${INC.lon}&lat=${INC.lat}&z=16`);
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** A hash of the video canvas pixels (drawn from an ImageBitmap of the same origin: readable). */
const canvasHash = (p: Page) =>
  p.locator('[data-testid="video-canvas"]').first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i += 16) h = Math.imul(h ^ d[i]!, 0x01000193);
    return { h: h >>> 0, w: c.width, hgt: c.height };
  });

describe('fire view: drone video', () => {
  it('shows a changing video canvas with fps, resolution and latency', { timeout: 180_000 }, async () => {
    // The mission starts at +2 model minutes (~25 s); a loaded CI machine may need more.
    await page.locator('[data-testid="video-tile"]').first().waitFor({ timeout: 100_000 });
    const frames = () => page.locator('[data-testid="video-tile"]').first().getAttribute('data-frames').then(Number);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="video-tile"]')?.getAttribute('data-frames')) > 3, undefined, { timeout: 30_000 });
    const a = await canvasHash(page);
    const n = await frames();
    await page.waitForFunction((n0) => Number(document.querySelector('[data-testid="video-tile"]')?.getAttribute('data-frames')) > n0 + 2, n, { timeout: 20_000 });
    const b = await canvasHash(page);
    // Frames are 1280x720 (the tile draws them at its own size, aspect kept).
    const tile = page.locator('[data-testid="video-tile"]').first();
    expect([await tile.getAttribute('data-width'), await tile.getAttribute('data-height')]).toEqual(['1280', '720']);
    expect(a.w / a.hgt).toBeCloseTo(16 / 9, 1);
    expect(b.h).not.toBe(a.h);
    // The rate is shown (frames of the last 3 s: > 0 while frames come).
    await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid="video-fps"]')?.textContent ?? '0') > 0, undefined, { timeout: 10_000 });
    const latency = (await page.locator('[data-testid="video-latency"]').first().textContent())!;
    expect(latency).toMatch(/^\d+ ms$/);
    // A 4xx shows up as "Failed to load resource"; those are listed in `refused` and must not be video's.
    expect(errors.filter((e) => !/favicon|Failed to load resource/.test(e)), errors.join('\n')).toEqual([]);
    expect(refused.filter((r) => /video/.test(r))).toEqual([]);
    if (refused.length) console.log('refused requests in the fire view (not video):', refused);
  });

  it('drapes the live frame on the camera footprint once the drone orbits (BitmapLayer on the map)', { timeout: 150_000 }, async () => {
    // Orbiting: the camera looks obliquely at the fire (take-off is nadir, transit too flat to drape).
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="video-panel"]')?.getAttribute('data-draped')) >= 1 &&
        Number(document.querySelector('[data-testid="video-tile"]')?.getAttribute('data-pitch') ?? -90) > -60,
      undefined,
      { timeout: 120_000 },
    );
    // The map draws the drape: the centre of the map (the incident, inside the footprint) changes
    // as the picture does, while the base map there stays put.
    const centre = async () => {
      const box = (await page.locator('[data-testid="map"]').boundingBox())!;
      const shot = await page.screenshot({ clip: { x: box.x + box.width / 2 - 60, y: box.y + box.height / 2 - 60, width: 120, height: 120 } });
      return shot.toString('base64');
    };
    const m1 = await centre();
    await page.waitForTimeout(1200);
    const m2 = await centre();
    expect(m2).not.toBe(m1);
    await page.screenshot({ path: join(screenshotDir(), 'fire-video.png') });
  });

  it('big-picture mode shows the feed over the whole window and closes with Esc', { timeout: 120_000 }, async () => {
    await page.locator('[data-testid="video-big"]').click();
    const big = page.locator('[data-testid="video-bigpicture"] canvas').first();
    await big.waitFor();
    const box = (await big.boundingBox())!;
    expect(box.width).toBeGreaterThan(1000);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="video-bigpicture"]').waitFor({ state: 'detached' });
  });
});
