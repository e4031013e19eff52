// `npm run chaos`: runs the chaos experiments (devstack/chaos/experiments/) against the running
// `npm start` of this checkout, or a devstack it starts, and prints one table; exits 1 when a
// verification fails. `npm run chaos -- add|end|halt|resume|list` manages fault rules by hand.
import { parseArgs } from 'node:util';
import { runExperiment } from './chaos/experiment.ts';
import { experiments } from './chaos/experiments/index.ts';
import { addRule, ChaosUsageError, ruleCommand } from './chaos/rules-cli.ts';
import { runningTarget, spawnDevstack } from './chaos/stack.ts';
import { formatTable } from './chaos/table.ts';
import type { ChaosTarget } from './chaos/target.ts';
import type { ExperimentRow } from './chaos/verify.ts';
import { stateDir } from './paths.ts';

const usage = `usage: npm run chaos -- [--orders N] [--only a,b] [--runtime workerd|deno] [--hold-s S] [--settle-s S]
       npm run chaos -- add <id> --fault latency:1000 [--service s] [--dependency d] [--route r]
                        [--experiment e] [--percentage p] [--for 10m]
       npm run chaos -- end <id> | halt | resume | list
experiments: ${experiments.map((e) => e.name).join(', ')}`;

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      orders: { type: 'string', default: '60' },
      only: { type: 'string' },
      runtime: { type: 'string', default: 'workerd' },
      'hold-s': { type: 'string', default: '10' },
      'settle-s': { type: 'string', default: '180' },
      fault: { type: 'string' },
      for: { type: 'string' },
      service: { type: 'string' },
      dependency: { type: 'string' },
      route: { type: 'string' },
      experiment: { type: 'string' },
      percentage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function chosen(only: string | undefined) {
  if (!only) return experiments;
  const names = only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !experiments.some((e) => e.name === name));
  if (unknown.length > 0) {
    throw new ChaosUsageError(
      `unknown experiment ${unknown.join(', ')} (known: ${experiments.map((e) => e.name).join(', ')})`,
    );
  }
  return experiments.filter((e) => names.includes(e.name));
}

async function withTarget<T>(
  runtime: string,
  work: (target: ChaosTarget) => Promise<T>,
): Promise<T> {
  const running = await runningTarget(stateDir);
  if (running) {
    console.error('chaos: using the running devstack');
    return work(running);
  }
  console.error(`chaos: no running devstack answers; starting one (${runtime}) for this run…`);
  const { target, stop } = await spawnDevstack(runtime);
  try {
    return await work(target);
  } finally {
    await stop();
  }
}

async function runAll(values: ReturnType<typeof parse>['values']): Promise<number> {
  const orders = Number(values.orders);
  const holdMs = Number(values['hold-s']) * 1000;
  const settleMs = Number(values['settle-s']) * 1000;
  if (!Number.isInteger(orders) || orders < 1 || !(holdMs >= 0) || !(settleMs >= 0)) {
    throw new ChaosUsageError(
      '--orders must be a positive whole number, --hold-s and --settle-s numbers of seconds',
    );
  }
  if (values.runtime !== 'workerd' && values.runtime !== 'deno') {
    throw new ChaosUsageError(`--runtime must be workerd or deno, got "${values.runtime}"`);
  }
  const selected = chosen(values.only);
  const rows = await withTarget(values.runtime, async (target) => {
    const done: ExperimentRow[] = [];
    for (const experiment of selected) {
      const started = Date.now();
      const row = await runExperiment(experiment, target, {
        orders,
        holdMs,
        settleMs,
        log: (line) => console.error(`chaos: ${line}`),
      });
      const seconds = Math.round((Date.now() - started) / 1000);
      console.error(`chaos: ${experiment.name}: ${row.verdict} after ${seconds} s`);
      console.error(formatTable([row]).split('\n')[2]);
      done.push(row);
    }
    return done;
  });
  console.log(formatTable(rows));
  return rows.some((row) => row.verdict === 'FAIL') ? 1 : 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [command, id] = positionals;
  if (!command || command === 'run') return runAll(values);
  if (!['add', 'end', 'halt', 'resume', 'list'].includes(command)) {
    throw new ChaosUsageError(`unknown command "${command}"`);
  }
  const target = await runningTarget(stateDir);
  if (!target) throw new ChaosUsageError('no running devstack (npm start) answers');
  if (command === 'add') {
    if (!id) throw new ChaosUsageError('add needs a rule id');
    await addRule(target.admin, id, values);
  } else {
    await ruleCommand(target.admin, command, id);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  const message = (error as Error).message.split('\n')[0];
  console.error(`chaos: ${message}`);
  process.exitCode = 1;
}
