import { defineConfig } from 'tsup';

/**
 * The one build every published @pymem package uses: ESM + CJS from
 * src/index.ts, with d.ts for both. Sibling packages are resolved through
 * their built d.ts (customConditions cleared), not their sources, so each
 * package's types stand alone as published.
 */
export const libraryConfig = defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
