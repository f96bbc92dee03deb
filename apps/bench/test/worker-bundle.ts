import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';

/**
 * Workers run plain JavaScript, but vitest runs the bench from its sources.
 * Bundle src/worker.ts (workspace packages from their sources too, through
 * the `source` condition) into a temp folder once per test file.
 */
export async function buildWorkerBundle(): Promise<URL> {
  const outDir = mkdtempSync(join(tmpdir(), 'pymem-bench-worker-'));
  await build({
    config: false,
    entry: { worker: 'src/worker.ts' },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    noExternal: [/./],
    silent: true,
    esbuildOptions(options) {
      options.conditions = ['source', 'import', 'module', 'node', 'default'];
    },
  });
  return pathToFileURL(join(outDir, 'worker.js'));
}
