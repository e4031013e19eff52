import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnReporting } from '../child-process.ts';
import type { Participants } from './engine.ts';
import { serveHeaders } from './header-relay.ts';

/** What an engine's worker is started with (its one argument, as JSON). */
export interface WorkerArgs {
  inventoryUrl: string;
  paymentsUrl: string;
  /** Whatever else the worker needs (its database, its port). */
  [key: string]: unknown;
}

/** In a worker: the arguments its engine started it with. */
export const workerArgs = <Args extends WorkerArgs>(): Args =>
  JSON.parse(process.argv[2] ?? '{}') as Args;

/**
 * Starts an engine's worker (a TypeScript file in this folder) in its own Node process, with
 * the participants' URLs (and `extra`) as its argument and their headers relayed over IPC;
 * resolves with the URL the worker reports.
 */
export async function startEngineChild(
  file: string,
  participants: Participants,
  extra: Record<string, unknown> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const { inventoryUrl, paymentsUrl } = participants;
  const { report, child } = await spawnReporting<{ url: string }>(
    fileURLToPath(new URL(file, import.meta.url)),
    {
      args: [JSON.stringify({ ...extra, inventoryUrl, paymentsUrl } satisfies WorkerArgs)],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      // DBOS 5.3.0 queues queries on a busy pg client, which pg 8 warns about on every run.
      nodeFlags: ['--no-deprecation'],
    },
  );
  serveHeaders(child, participants);
  return { url: report.url, child };
}

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
