// The fuzz suite's short run, in process: every route of every function, valid, mutated and
// hostile requests (the full run is `npm run fuzz`).
import { beforeAll, describe, expect, it } from 'vitest';
import { inProcessTargets } from '../../fuzz/in-process.ts';
import { fuzz, type FuzzReport } from '../../fuzz/run.ts';
import type { FuzzTarget } from '../../fuzz/run.ts';

const inputs = Number(process.env.FUZZ_INPUTS ?? 1_000);

describe(`fuzz: ${inputs} requests to every function in process`, () => {
  let targets: FuzzTarget[];
  let report: FuzzReport;

  beforeAll(async () => {
    targets = await inProcessTargets();
    report = await fuzz(targets, { inputs });
  }, 240_000);

  it('answers none with 500 or more, every error as problem+json, and writes nothing it refused', () => {
    expect(report.findings, `seed ${report.seed}`).toEqual([]);
  });

  it('reaches the handlers with valid input and refuses the rest', () => {
    const answered = (low: number, high: number) =>
      Object.entries(report.statuses)
        .filter(([status]) => Number(status) >= low && Number(status) < high)
        .reduce((sum, [, count]) => sum + count, 0);
    expect(answered(200, 300)).toBeGreaterThan(inputs * 0.1);
    expect(report.statuses[400] ?? 0).toBeGreaterThan(inputs * 0.1);
    expect(report.refusedChecked).toBeGreaterThan(inputs * 0.2);
  });

  it('covers every route of every function', () => {
    const routes = targets.flatMap((target) => target.routes);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => route.inputs.json).length).toBeGreaterThanOrEqual(4);
    expect(routes.some((route) => route.inputs.delivery)).toBe(true);
  });
});
