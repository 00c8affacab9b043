/**
 * `npm start` runs this first: builds the dashboard when there is no build yet or a source file is
 * newer than it, so a fresh clone starts with one command and a rebuilt checkout never serves an
 * old bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const marker = join(root, 'build', 'handler.js');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

const inputs = ['src', 'protocol', 'static', 'vite.config.ts', 'package.json'].map((p) => join(root, p)).filter(existsSync);
const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map(newestMtime));
if (builtAt >= sourcesAt) process.exit(0);

console.log(builtAt === 0 ? 'Building the dashboard (first start) …' : 'Sources changed since the last build; rebuilding …');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const r = spawnSync(npx, ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('Build failed; see the output above.');
  process.exit(r.status ?? 1);
}
