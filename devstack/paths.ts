import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the devstack keeps its state and builds. */
export const stateDir = join(repoRoot, '.devstack');

/** The Deno binary shipped by the `deno` npm package. */
export const denoBinary = join(repoRoot, 'node_modules', '.bin', 'deno');

/** Compatibility date for workerd; must not be newer than the installed workerd. */
export const compatibilityDate = '2026-04-01';
