/**
 * The admin view in the browser against a real hub: health and alarm KPIs, a hostile quarantined
 * payload rendered as text (no markup, no script), a wall display token created and revoked, a user
 * created with a generated password and disabled, and "Keine Berechtigung" for an operator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_HOME, type Role } from '../protocol/index.ts';
import { parseDemoFile } from '../server/auth/bootstrap.ts';
import { launchBrowser, screenshotDir, startHub } from './browser.ts';

let hub: Awaited<ReturnType<typeof startHub>>;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let passwords: Record<string, string>;
const pageErrors: string[] = [];
const dialogs: string[] = [];

const TOPIC = 'city/v1/tls/K001/detectors';
// Malformed JSON (no closing brace) with markup in it, long enough to be shortened in the table.
const HOSTILE = `{"id":"K001","tsMs":1,"note":"<script>alert(1)</script><img src=x onerror=alert(2)>","pad":"${'x'.repeat(120)}"`;

async function login(p: Page, user: string): Promise<void> {
  await p.goto(`${hub.url}/login`);
  await p.getByLabel('Benutzername').fill(user);
  await p.getByLabel('Passwort').fill(passwords[user]!);
  await p.getByRole('button', { name: 'Anmelden' }).click();
  await p.waitForURL(`${hub.url}${ROLE_HOME[user as Role]}`);
}

beforeAll(async () => {
  hub = await startHub({ SIM: 'on', SIM_SPEED: '1' });
  passwords = parseDemoFile(readFileSync(join(hub.dataDir, 'demo-accounts.txt'), 'utf8')).passwords;
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await login(page, 'admin');
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('admin view', () => {
  it('is linked from the dashboard header and shows health, KPIs and the quarantine table', async () => {
    await page.locator('header').first().screenshot({ path: join(screenshotDir(), 'admin-link.png') });
    await page.locator('[data-testid="admin-link"]').click();
    await page.waitForURL(`${hub.url}/admin`);
    await expect.poll(() => page.locator('[data-testid="health"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('ok');
    expect(await page.locator('[data-testid="health-broker"]').textContent()).toBe('verbunden');
    expect(await page.locator('[data-testid="health-db"]').textContent()).toBe('antwortet');
    expect(await page.locator('[data-testid="health-uptime"]').textContent()).toMatch(/^\d+ (s|min)/);
    await page.locator('[data-testid="kpi-targets"]').waitFor({ timeout: 10_000 });
    // Every target is judged in words, not by colour alone.
    for (const v of await page.locator('[data-testid="kpi-targets"] tbody tr td:last-child').allTextContents()) expect(v).toMatch(/erfüllt/);
    await page.locator('[data-testid="quarantine-table"]').waitFor();
    expect(await page.locator('[data-testid="admin-denied"]').count()).toBe(0);
  });

  it('renders a hostile quarantined payload as text and runs nothing', async () => {
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { clientId: 'e2e-hostile' });
    await dev.publishAsync(TOPIC, HOSTILE, { qos: 1 });
    await dev.endAsync();

    const row = page.locator('[data-testid="quarantine-row"]').filter({ has: page.locator('[data-testid="quarantine-topic"]', { hasText: TOPIC }) });
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.locator('[data-testid="quarantine-table"]').waitFor();
          await page.locator('[data-testid="quarantine-card"] [data-testid="quarantine-refresh"]:not([disabled])').waitFor();
          return row.count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBeGreaterThan(0);
    const first = row.first();
    expect(await first.getAttribute('data-reason')).toBe('malformed_json');
    const payload = first.locator('[data-testid="quarantine-payload-text"]');
    // Shortened in the table: the start (with the script tag as visible text), then "…".
    const preview = (await payload.textContent())!;
    expect(preview).toContain('<script>alert(1)</script>');
    expect(preview.endsWith('…')).toBe(true);
    expect(await payload.innerText()).toContain('<script>alert(1)</script>');
    // Expanded: exactly the bytes that were published, as text.
    await first.locator('[data-testid="quarantine-payload-toggle"]').click();
    expect(await payload.textContent()).toBe(HOSTILE);

    // No markup came out of it: no element, no dialog.
    expect(await page.locator('[data-testid="quarantine-table"] script').count()).toBe(0);
    expect(await page.locator('[data-testid="quarantine-table"] img').count()).toBe(0);
    await page.waitForTimeout(500);
    expect(dialogs).toEqual([]);

    // The reason filter keeps it (and only that reason).
    await page.locator('[data-testid="quarantine-filter"]').selectOption('malformed_json');
    expect(await row.count()).toBeGreaterThan(0);
    const reasons = await page.locator('[data-testid="quarantine-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')));
    expect(new Set(reasons)).toEqual(new Set(['malformed_json']));
    await page.locator('[data-testid="quarantine-filter"]').selectOption('');

    await page.screenshot({ path: join(screenshotDir(), 'admin.png'), fullPage: true });
  });

  it('creates a wall display token (shown once) and revokes it', async () => {
    await page.locator('[data-testid="display-name"]').fill('E2E-Wand');
    await page.locator('[data-testid="display-submit"]').click();
    const token = await page.locator('[data-testid="display-secret-token"]').inputValue({ timeout: 10_000 });
    expect(token.length).toBeGreaterThan(16);
    expect(await page.locator('[data-testid="display-secret-url"]').inputValue()).toBe(`${hub.url}/?display=${encodeURIComponent(token)}`);
    expect((await fetch(`${hub.url}/api/auth/me?display=${encodeURIComponent(token)}`)).status).toBe(200);
    await page.screenshot({ path: join(screenshotDir(), 'admin-display-token.png') });

    await page.locator('[data-testid="display-secret-close"]').click();
    expect(await page.locator('[data-testid="display-secret"]').count()).toBe(0);
    const row = page.locator('[data-testid="display-row"]').filter({ hasText: 'E2E-Wand' });
    await row.waitFor();
    const id = (await row.getAttribute('data-id'))!;
    await row.locator('[data-testid="display-revoke"]').click();
    await row.locator('[data-testid="display-revoke"]').click(); // confirm
    await page.locator('[data-testid="display-done"]').waitFor();
    expect((await fetch(`${hub.url}/api/auth/me?display=${encodeURIComponent(token)}`)).status).toBe(401);
    // Gone from the active list; listed as revoked on request.
    await expect.poll(() => row.count()).toBe(0);
    await page.locator('[data-testid="display-show-revoked"]').check();
    expect(await page.locator(`[data-testid="display-row"][data-id="${id}"] [data-testid="display-status"]`).textContent()).toContain('widerrufen');
    // Both changes are in the audit log.
    const audited = page.locator(`[data-testid="audit-row"][data-action="displays.manage"][data-result="ok"]`).filter({ hasText: id });
    await expect.poll(() => audited.count(), { timeout: 10_000 }).toBe(2);
  });

  it('creates a user with a generated password and disables it', async () => {
    await page.locator('[data-testid="user-name"]').fill('e2e.tester');
    await page.locator('[data-testid="user-role"]').selectOption('fire');
    await page.locator('[data-testid="user-submit"]').click();
    const pw = await page.locator('[data-testid="user-secret-password"]').inputValue({ timeout: 10_000 });
    expect(pw).toHaveLength(20);
    const loginAs = (password: string) =>
      fetch(`${hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'e2e.tester', password }) });
    expect((await loginAs(pw)).status).toBe(200);

    const row = page.locator('[data-testid="user-row"][data-user="e2e.tester"]');
    await row.waitFor();
    await row.locator('[data-testid="user-toggle"]').click();
    await row.locator('[data-testid="user-toggle"]').click(); // confirm
    await expect.poll(() => row.locator('td').nth(2).textContent(), { timeout: 10_000 }).toBe('gesperrt');
    expect((await loginAs(pw)).status).toBe(401);
    // The admin cannot lock themselves out from here.
    expect(await page.locator('[data-testid="user-row"][data-user="admin"] [data-testid="user-toggle"]').count()).toBe(0);
  });

  it('logged no errors on the admin page', () => {
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});

describe('admin view for other roles', () => {
  it('an operator gets "Keine Berechtigung" and no admin data is requested', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await other.newPage();
    const adminRequests: string[] = [];
    p.on('request', (r) => r.url().includes('/api/admin/') && adminRequests.push(r.url()));
    await login(p, 'operator');
    expect(await p.locator('[data-testid="admin-link"]').count()).toBe(0);
    await p.goto(`${hub.url}/admin`);
    const denied = p.locator('[data-testid="admin-denied"]');
    await denied.waitFor({ timeout: 10_000 });
    expect(await denied.locator('h1').textContent()).toBe('Keine Berechtigung');
    expect(await p.locator('[data-testid="admin"]').count()).toBe(0);
    expect(adminRequests).toEqual([]);
    // The hub refuses anyway.
    expect(await p.evaluate(async () => (await fetch('/api/admin/quarantine')).status)).toBe(403);
    await p.screenshot({ path: join(screenshotDir(), 'admin-denied.png') });
    await other.close();
  });
});
