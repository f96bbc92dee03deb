#!/usr/bin/env node
// The consumer check: pack every published package, install the tarballs into a
// throwaway npm project outside the workspace, load each with `import` and with
// `require`, and typecheck a small consumer against the published types.
// Run after `pnpm build`. Exits non-zero on the first failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private)
  // Optional: check only the packages named on the command line.
  .filter(({ pkg }) => process.argv.length <= 2 || process.argv.slice(2).includes(pkg.name));

const work = mkdtempSync(join(tmpdir(), 'pymem-consumer-'));
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarballs = packages.map(({ dir, pkg }) => {
    const out = sh('pnpm', ['pack', '--pack-destination', work], dir).trim().split('\n').pop();
    console.log(`packed ${pkg.name} -> ${out}`);
    return out.startsWith('/') ? out : join(work, out);
  });

  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'pymem-consumer', private: true, version: '0.0.0' }, null, 2));
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], work);

  const names = packages.map(({ pkg }) => pkg.name);
  // Every package loads from ESM and from CJS and exports something.
  const esm = names.map((n, i) => `import * as m${i} from '${n}';\nif (Object.keys(m${i}).length === 0) throw new Error('${n}: no exports (esm)');`).join('\n');
  writeFileSync(join(work, 'esm.mjs'), `${esm}\nconsole.log('esm ok: ${names.join(', ')}');\n`);
  const cjs = names.map((n) => `if (Object.keys(require('${n}')).length === 0) throw new Error('${n}: no exports (cjs)');`).join('\n');
  writeFileSync(join(work, 'cjs.cjs'), `${cjs}\nconsole.log('cjs ok: ${names.join(', ')}');\n`);
  process.stdout.write(sh('node', ['esm.mjs'], work));
  process.stdout.write(sh('node', ['cjs.cjs'], work));

  // A consumer that uses the published types and runs.
  const consumer = readFileSync(join(root, 'scripts', 'consumer.ts'), 'utf8');
  writeFileSync(join(work, 'consumer.ts'), consumer);
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES2024'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false }, files: ['consumer.ts'] }, null, 2),
  );
  sh('node', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], work);
  console.log('typecheck ok: consumer.ts against the published types');
  sh('node', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', 'out'], work);
  process.stdout.write(sh('node', [join('out', 'consumer.js')], work));
  console.log('consumer check passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
