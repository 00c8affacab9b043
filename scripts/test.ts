/**
 * `npm test`: build the dashboard (the e2e tests serve build/), run every vitest project once, and
 * finish with exactly one summary line, always the last line printed:
 *
 *   N passed, N failed[, N skipped]
 *
 * Exits non-zero when anything failed or nothing ran.
 *
 *   npm test                       build + all projects
 *   npm test -- server/            extra args go to vitest (here: a path filter)
 *   npm test -- --project unit
 *   SKIP_BUILD=1 npm test          reuse the existing build/
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const extraArgs = process.argv.slice(2);

/** Runs a command with the console attached; returns its exit code (1 if it could not start or was killed). */
function run(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) {
    console.error(`[test] could not run ${cmd}: ${r.error.message}`);
    return 1;
  }
  if (r.signal) console.error(`[test] ${cmd} ${args.join(' ')} was killed by ${r.signal}`);
  return r.status ?? 1;
}

function summary(passed: number, failed: number, skipped: number): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

function finish(passed: number, failed: number, skipped: number): never {
  console.log(summary(passed, failed, skipped));
  process.exit(failed > 0 || passed + failed === 0 ? 1 : 0);
}

// ---- 1. build ---------------------------------------------------------------------------------
if (process.env.SKIP_BUILD === '1' || process.env.SKIP_BUILD === 'true') {
  console.log('[test] SKIP_BUILD set: not building; e2e tests use the existing build/');
} else {
  console.log('[test] building the dashboard (svelte-kit sync && vite build)');
  const failedStep =
    run('npx', ['--no-install', 'svelte-kit', 'sync']) !== 0
      ? 'svelte-kit sync'
      : run('npx', ['--no-install', 'vite', 'build']) !== 0
        ? 'vite build'
        : null;
  if (failedStep) {
    console.error(`\n[test] BUILD FAILED: \`${failedStep}\` exited non-zero (see its output above); no tests were run.`);
    console.error('[test] fix the build, or run the tests against an existing build/ with SKIP_BUILD=1.');
    finish(0, 1, 0);
  }
}

// ---- 2. vitest, all projects, once ------------------------------------------------------------
const outDir = mkdtempSync(join(tmpdir(), 'vitest-report-'));
const reportPath = join(outDir, 'vitest.json');
const vitestCode = run('npx', [
  '--no-install',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${reportPath}`,
  ...extraArgs,
]);

// ---- 3. count ---------------------------------------------------------------------------------
interface JsonAssertion {
  status: string;
}
interface JsonFile {
  name: string;
  status: string;
  message?: string;
  assertionResults?: JsonAssertion[];
}
interface JsonReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  numFailedTestSuites?: number;
  success?: boolean;
  testResults?: JsonFile[];
}

let report: JsonReport | null = null;
if (existsSync(reportPath)) {
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as JsonReport;
  } catch (err) {
    console.error(`[test] the vitest JSON report is unreadable: ${(err as Error).message}`);
  }
}
rmSync(outDir, { recursive: true, force: true });

if (!report) {
  console.error(`\n[test] vitest wrote no report (exit code ${vitestCode}): it crashed before finishing; counted as 1 failure.`);
  finish(0, 1, 0);
}

const passed = report.numPassedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
let failed = report.numFailedTests ?? 0;

// A test file that failed without a failing test (import error, syntax error, failing beforeAll/afterAll)
// counts as one failure, so a broken file can never pass silently.
const files = report.testResults ?? [];
const brokenFiles = files.filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
);
if (brokenFiles.length > 0) {
  failed += brokenFiles.length;
  console.error(`\n[test] ${brokenFiles.length} test file(s) failed outside any test:`);
  for (const f of brokenFiles) {
    const firstLine = (f.message ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
    console.error(`  ${f.name.startsWith(root) ? f.name.slice(root.length) : f.name}${firstLine ? `: ${firstLine}` : ''}`);
  }
} else if (files.length === 0 && (report.numFailedTestSuites ?? 0) > 0) {
  failed += report.numFailedTestSuites ?? 0;
}

// Vitest failed although every test passed (unhandled error, errors in teardown, ...): not a pass.
if (failed === 0 && vitestCode !== 0 && passed > 0) {
  console.error(`\n[test] vitest exited with code ${vitestCode} although no test failed (unhandled error? see above); counted as 1 failure.`);
  failed = 1;
}
if (passed + failed === 0) console.error('\n[test] no tests ran.');

finish(passed, failed, skipped);
