// Tests that start the whole stack take longer with every function the repo holds: their
// timeouts grow with the number of functions instead of breaking when one is added.
import { listFunctions } from '../../devstack/functions/catalog.ts';

const functions = listFunctions().length;

/** For a test that starts `npm start` (every function) and stops it. */
export const stackTestTimeoutMs = 30_000 + 12_000 * functions;
