#!/usr/bin/env node
// Runs every workspace's tests through turbo (cached per package), then sums
// each package's vitest JSON report into the one closing line CI reads:
//   N passed, N failed
// Exits non-zero when a test failed, a package's run failed, or a report is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const pkgDir = join(dir, name);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (!pkg.scripts?.test) continue;
    const report = join(pkgDir, 'test-results', 'vitest.json');
    if (!existsSync(report)) {
      problems.push(`${pkg.name}: no test report (did its test run crash?)`);
      failed++;
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) {
      problems.push(`${pkg.name}: ${r.numFailedTestSuites} test file(s) failed to load`);
      failed += r.numFailedTestSuites;
    }
    if (r.numTotalTests === 0) problems.push(`${pkg.name}: ran no test`);
  }
}
for (const p of problems) console.log(p);
if (run.status !== 0 && failed === 0) {
  console.log('turbo run test failed outside the test reports');
  failed++;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
