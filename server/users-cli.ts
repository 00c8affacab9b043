/**
 * Accounts from the command line, against the same DATA_DIR / DATABASE_URL as the hub:
 *
 *   npm run users -- add NAME ROLE          (password from USERS_PASSWORD, else generated and printed once)
 *   npm run users -- passwd NAME            (same; ends the user's sessions)
 *   npm run users -- disable NAME | enable NAME
 *   npm run users -- list
 *   npm run users -- display-token-create NAME
 *   npm run users -- display-token-revoke ID
 *
 * A running hub picks the changes up within 30 s (it re-reads sessions and display tokens).
 */
import { ROLES, RoleSchema } from '../protocol/index.ts';
import { DisplayTokens } from './auth/displays.ts';
import { hashPassword, randomPassword } from './auth/password.ts';
import { loadConfig } from './config.ts';
import { openStore } from './store/index.ts';

const [cmd, ...args] = process.argv.slice(2);
const usage = `usage: users-cli add NAME ROLE | passwd NAME | disable NAME | enable NAME | list | display-token-create NAME | display-token-revoke ID
roles: ${ROLES.filter((r) => r !== 'wall').join(', ')}; the password comes from USERS_PASSWORD (min. 12 characters) or is generated`;

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function password(): Promise<{ hash: string; shown: string | null }> {
  const given = process.env.USERS_PASSWORD;
  if (given !== undefined && given.length < 12) fail('USERS_PASSWORD must be at least 12 characters');
  const pw = given ?? randomPassword();
  return { hash: await hashPassword(pw), shown: given === undefined ? pw : null };
}

const config = loadConfig();
const store = await openStore(config);
const audit = (action: string, target: string, detail: Record<string, unknown>) =>
  store.addAudit({ atMs: Date.now(), principal: `cli:${process.env.USER ?? 'unknown'}`, role: 'admin', action, target, detail, result: 'ok' });
try {
  switch (cmd) {
    case 'add': {
      const [name, roleArg] = args;
      const role = RoleSchema.exclude(['wall']).safeParse(roleArg);
      if (!name || !role.success) fail(usage);
      if (await store.user(name)) fail(`user ${name} exists; use passwd`);
      const pw = await password();
      await store.upsertUser({ username: name, role: role.data, passwordHash: pw.hash }, Date.now());
      audit('users.manage', name, { op: 'add', role: role.data });
      console.log(`user ${name} (${role.data}) created${pw.shown ? `; password: ${pw.shown}` : ''}`);
      break;
    }
    case 'passwd': {
      const u = args[0] ? await store.user(args[0]) : null;
      if (!u) fail(`no user ${args[0] ?? ''}\n${usage}`);
      const pw = await password();
      await store.updateUser(u.username, { passwordHash: pw.hash });
      await store.deleteUserSessions(u.id);
      audit('users.manage', u.username, { op: 'passwd' });
      console.log(`password of ${u.username} changed${pw.shown ? `: ${pw.shown}` : ''}; its sessions are ended`);
      break;
    }
    case 'disable':
    case 'enable': {
      const u = args[0] ? await store.user(args[0]) : null;
      if (!u) fail(`no user ${args[0] ?? ''}\n${usage}`);
      await store.updateUser(u.username, { disabled: cmd === 'disable' });
      if (cmd === 'disable') await store.deleteUserSessions(u.id);
      audit('users.manage', u.username, { op: cmd });
      console.log(`user ${u.username} ${cmd}d`);
      break;
    }
    case 'list':
      for (const u of await store.users()) console.log(`${u.username}\t${u.role}\t${u.disabled ? 'disabled' : 'active'}\t${new Date(u.createdMs).toISOString()}`);
      for (const d of await new DisplayTokens(store).list()) console.log(`${d.id}\twall\t${d.revokedMs ? 'revoked' : 'active'}\t${d.name}`);
      break;
    case 'display-token-create': {
      if (!args[0]) fail(usage);
      const d = await new DisplayTokens(store).create(args.join(' '));
      audit('displays.manage', d.id, { op: 'create', name: d.name });
      console.log(`display ${d.id} "${d.name}" created; open /?display=${d.token}\n(the token is shown only now)`);
      break;
    }
    case 'display-token-revoke': {
      if (!args[0]) fail(usage);
      const ok = await new DisplayTokens(store).revoke(args[0]);
      if (!ok) fail(`no active display token ${args[0]}`);
      audit('displays.manage', args[0], { op: 'revoke' });
      console.log(`display ${args[0]} revoked`);
      break;
    }
    default:
      fail(usage);
  }
} finally {
  await store.close();
}
