import { defineConfig } from 'tsup';

// cli.js is the command; worker.js runs one contender per worker thread.
export default defineConfig({
  entry: ['src/cli.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
