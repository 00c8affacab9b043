/**
 * Accounts at start: the admin from ADMIN_USER/ADMIN_PASSWORD (created or reset), and — only with
 * the simulator on and DEMO_ACCOUNTS not off — demo users with random passwords generated at first
 * start, printed once and written to DATA_DIR/demo-accounts.txt (mode 0600). Never a fixed password.
 */
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../protocol/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { AuthService } from './authenticator.ts';
import { hashPassword, randomPassword } from './password.ts';

export const DEMO_USERS: readonly Role[] = ['operator', 'fire', 'utility', 'admin'];
export const DEMO_DISPLAY_NAME = 'Demo-Wand';
export const DEMO_FILE = 'demo-accounts.txt';

export async function bootstrapAccounts(
  auth: AuthService,
  config: Pick<Config, 'ADMIN_USER' | 'ADMIN_PASSWORD' | 'SIM' | 'DEMO_ACCOUNTS' | 'DATA_DIR'>,
  log: Logger,
  print: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  const store = auth.store;
  if (config.ADMIN_USER && config.ADMIN_PASSWORD) {
    const u = await store.upsertUser({ username: config.ADMIN_USER, role: 'admin', passwordHash: await hashPassword(config.ADMIN_PASSWORD), disabled: false }, Date.now());
    // A reset password ends the sessions opened with the old one.
    await auth.sessions.destroyUser(u.id);
    auth.audit(null, 'users.bootstrap', u.username, { role: 'admin', source: 'ADMIN_USER' }, 'ok');
    log.info({ user: u.username }, 'admin account from ADMIN_USER ready');
  }
  if (!config.SIM || !config.DEMO_ACCOUNTS) return;

  const lines: string[] = [];
  for (const role of DEMO_USERS) {
    if (await store.user(role)) continue;
    const password = randomPassword();
    await store.upsertUser({ username: role, role, passwordHash: await hashPassword(password) }, Date.now());
    lines.push(`  user ${role.padEnd(9)} password ${password}`);
  }
  const displays = await store.displayTokens();
  if (!displays.some((d) => d.name === DEMO_DISPLAY_NAME && d.revokedMs === null)) {
    const d = await auth.displays.create(DEMO_DISPLAY_NAME);
    lines.push(`  wall display ${d.id}: /?display=${d.token}`);
  }
  const file = join(config.DATA_DIR, DEMO_FILE);
  if (lines.length === 0) {
    log.info({ file }, 'demo accounts exist; their credentials were printed at first start and are in the file');
    return;
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  appendFileSync(file, `# Demo accounts created ${new Date().toISOString()} (SIM=on; DEMO_ACCOUNTS=off disables them)\n${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  print(
    [
      '',
      '================ DEMO ACCOUNTS (shown once) ================',
      ...lines,
      `  also written to ${file} (mode 0600)`,
      '  random passwords; for a real deployment set SIM=off or DEMO_ACCOUNTS=off',
      '============================================================',
      '',
    ].join('\n') + '\n',
  );
}

/** Parses demo-accounts.txt: passwords per user and the display token (tests, e2e). */
export function parseDemoFile(text: string): { passwords: Record<string, string>; displayToken: string | null } {
  const passwords: Record<string, string> = {};
  let displayToken: string | null = null;
  for (const line of text.split('\n')) {
    const u = /^\s*user (\S+)\s+password (\S+)/.exec(line);
    if (u) passwords[u[1]!] = u[2]!;
    const d = /display=(\S+)/.exec(line);
    if (d) displayToken = d[1]!;
  }
  return { passwords, displayToken };
}
