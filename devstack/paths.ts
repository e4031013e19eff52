import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the devstack keeps its state and builds. */
export const stateDir = join(repoRoot, '.devstack');

const require = createRequire(import.meta.url);

/**
 * The Deno executable itself, from the `deno` package's platform dependency (no download).
 * Not `node_modules/.bin/deno`: without install scripts that is a Node shim that runs Deno as
 * its child, so a signal to it would leave Deno running and holding its port.
 */
export const denoBinary = (
  require('deno/install_api.cjs') as { runInstall(): string }
).runInstall();

/** Compatibility date for workerd; must not be newer than the installed workerd. */
export const compatibilityDate = '2026-04-01';
