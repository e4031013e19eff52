// npm run fuzz [-- --inputs N] [--seed S] [--over in-process|devstack]
// Property-based requests to every route of every function; prints one row per function and
// exits 1 when any answer is 500 or more, an error is not problem+json, or a refused request
// wrote. `--over devstack` sends them to the running `npm start` (workerd or Deno) instead.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDevVars } from '../../devstack/config/target.ts';
import { liveDevstack } from '../../devstack/live.ts';
import { repoRoot, stateDir } from '../../devstack/paths.ts';
import { inProcessTargets } from './in-process.ts';
import { httpTarget } from './over-http.ts';
import { fuzz, type FuzzReport, type FuzzTarget } from './run.ts';

async function devstackTargets(): Promise<FuzzTarget[]> {
  const endpoints = await liveDevstack(stateDir);
  if (!endpoints) throw new Error('no running devstack answers (run `npm start` first)');
  const vars = readDevVars(join(repoRoot, '.dev.vars'));
  return (await inProcessTargets())
    .filter((target) => endpoints.functions[target.name])
    .map((target) =>
      httpTarget({
        name: target.name,
        url: endpoints.functions[target.name]!,
        routes: target.routes,
        signingKey: vars.QSTASH_CURRENT_SIGNING_KEY ?? '',
        operatorToken: vars.EDGEMESH_OPERATOR_TOKEN ?? '',
      }),
    );
}

function table(report: FuzzReport): string {
  const rows = Object.entries(report.perService).map(([name, { statuses }]) => {
    const count = (test: (status: number) => boolean) =>
      Object.entries(statuses)
        .filter(([status]) => test(Number(status)))
        .reduce((sum, [, n]) => sum + n, 0);
    const found = report.findings.filter((finding) => finding.service === name).length;
    return [
      name,
      count(() => true),
      count((s) => s < 400),
      count((s) => s >= 400 && s < 500),
      count((s) => s >= 500),
      found,
    ];
  });
  const header = ['function', 'inputs', '2xx/3xx', '4xx', '>=500', 'findings'];
  return [header, ...rows]
    .map((row) => row.map((cell) => String(cell).padEnd(14)).join(''))
    .join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inputs: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      over: { type: 'string', default: 'in-process' },
    },
  });
  const inputs = Number(values.inputs);
  if (!Number.isInteger(inputs) || inputs < 1)
    throw new Error(`--inputs must be a positive integer, got "${values.inputs}"`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`--seed must be an integer, got "${values.seed}"`);
  if (values.over !== 'in-process' && values.over !== 'devstack') {
    throw new Error(`--over must be in-process or devstack, got "${values.over}"`);
  }
  const targets = values.over === 'devstack' ? await devstackTargets() : await inProcessTargets();
  const started = performance.now();
  const report = await fuzz(targets, { inputs, ...(seed === undefined ? {} : { seed }) });
  const seconds = (performance.now() - started) / 1000;
  console.log(table(report));
  console.log(
    `\n${report.inputs} inputs ${values.over} in ${seconds.toFixed(1)} s (seed ${report.seed}); ` +
      `${report.refusedChecked} refused requests checked for writes; ${report.findings.length} findings`,
  );
  for (const finding of report.findings.slice(0, 20)) {
    console.log(`  ${finding.service} ${finding.status} ${finding.problem}: ${finding.request}`);
  }
  return report.findings.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
