/**
 * `pnpm bench` / `pymem-bench`: the CLI entry (dist/cli.js). Contender
 * workers run dist/worker.js.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
