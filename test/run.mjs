// Runs the whole suite and closes with one line a CI reader can count: "N passed, N failed".
import { startVitest } from 'vitest/node';

const filters = process.argv.slice(2);
const vitest = await startVitest('test', filters, { watch: false });
if (!vitest) process.exit(1);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const testCase of vitest.state.getTestModules().flatMap((m) => [...m.children.allTests()])) {
  const state = testCase.result().state;
  if (state === 'passed') passed += 1;
  else if (state === 'failed') failed += 1;
  else skipped += 1;
}
// A module that failed without a failed test broke outside one (import, beforeAll): its tests
// never ran, so it counts as one failure.
const erroredModules = vitest.state
  .getTestModules()
  .filter(
    (m) =>
      m.state() === 'failed' &&
      ![...m.children.allTests()].some((t) => t.result().state === 'failed'),
  ).length;
const unhandled = vitest.state.getUnhandledErrors().length;
failed += erroredModules + unhandled;
await vitest.close();
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
