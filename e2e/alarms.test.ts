/**
 * Alarms in the browser, end to end: a cabinet supply failure published to the hub's broker
 * appears on the operator's alarm list, is acknowledged and then shelved there; a wall display
 * sees no alarm controls, and the hub refuses the action for it (403).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { raiseCabinetFault } from './fixtures.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
const CAB = 'E2ECAB1';
const ALARM = `cabinet:${CAB}|fault`;

beforeAll(async () => {
  hub = await startHub({ SIM: 'on', SIM_SPEED: '1' });
  browser = await launchBrowser();
  // A field device of our own: a cabinet that announces itself and then reports a supply failure.
  await raiseCabinetFault(hub.mqttPort, CAB);
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('alarms in the browser', () => {
  it('an operator acknowledges and shelves a new high-priority alarm', async () => {
    const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(`${hub.url}/login`);
    await page.getByLabel('Benutzername').fill('operator');
    await page.getByLabel('Passwort').fill(demo.passwords.operator!);
    await page.keyboard.press('Enter');
    const row = page.locator(`[data-alarm="${ALARM}"]`);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('UNACK');
    await row.locator('[data-testid="ack"]').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('ACKED');
    await page.screenshot({ path: join(screenshotDir(), 'alarm-acked.png') });

    await row.locator('[data-testid="shelve-open"]').click();
    await row.locator('[data-testid="shelve-reason"]').fill('Netzbetreiber informiert, Störung bekannt');
    await row.locator('[data-testid="shelve"]').click();
    // A shelved alarm leaves the list of annunciated alarms.
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    await page.close();
  });

  it('a wall display sees no alarm controls and the hub refuses its action', async () => {
    const demo = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8'));
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/ops?display=${demo.displayToken}`);
    await expect.poll(() => page.locator('[data-testid="status"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    expect(await page.locator('[data-testid="alarm-list"]').count()).toBe(0);
    expect(await page.locator('[data-testid="ack"]').count()).toBe(0);
    const res = await page.evaluate(async (id) => {
      const r = await fetch('/api/alarms/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
      return { status: r.status, body: (await r.json()) as { error: { code: string; message: string } } };
    }, ALARM);
    // Refused for the role, not merely for a missing CSRF token.
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringMatching(/may not alarm\.ack/) });
    await ctx.close();
  });
});
