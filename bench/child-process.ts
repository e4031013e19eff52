import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ReportingChildOptions {
  /** Arguments after the script. */
  args?: readonly string[];
  /** Node flags before it, e.g. `--cpu-prof`. */
  nodeFlags?: readonly string[];
  /** Default stdin ignored, stdout read, stderr inherited. */
  stdio?: StdioOptions;
}

/**
 * Runs a TypeScript file (through tsx) in a child Node process and resolves with the JSON its
 * first line on stdout reports (the endpoints it serves); rejects if it exits first.
 * @example const { report, child } = await spawnReporting<{ url: string }>(file, { args: ['--server'] });
 */
export async function spawnReporting<Report>(
  file: string,
  { args = [], nodeFlags = [], stdio = ['ignore', 'pipe', 'inherit'] }: ReportingChildOptions = {},
): Promise<{ report: Report; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', file, ...args], {
    stdio,
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`${file} exited with ${code} before it reported`)),
    );
  });
  return { report: JSON.parse(line) as Report, child };
}
