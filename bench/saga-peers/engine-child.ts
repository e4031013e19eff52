import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnReporting } from '../child-process.ts';
import type { Participants } from './engine.ts';
import { participantsOf } from './participant-calls.ts';

/** What an engine's worker is started with (its one argument, as JSON). */
export interface WorkerArgs {
  inventoryUrl: string;
  paymentsUrl: string;
  /** The signing secret and caller: the worker signs each call itself, as orders does. */
  auth?: Participants['auth'];
  /** Whatever else the worker needs (its database). */
  [key: string]: unknown;
}

/** In a worker: the arguments its engine started it with. */
export const workerArgs = <Args extends WorkerArgs>(): Args =>
  JSON.parse(process.argv[2] ?? '{}') as Args;

/** In a worker: the participants, signing with the secret it was given. */
export const workerParticipants = (args: WorkerArgs): Participants =>
  participantsOf({
    inventoryUrl: args.inventoryUrl,
    paymentsUrl: args.paymentsUrl,
    ...(args.auth ? { auth: args.auth } : {}),
  });

/**
 * Starts an engine's worker (a TypeScript file in this folder) in its own Node process, with
 * the participants (and `extra`) as its argument; resolves with the URL the worker reports.
 */
export async function startEngineChild(
  file: string,
  { inventoryUrl, paymentsUrl, auth }: Participants,
  extra: Record<string, unknown> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const { report, child } = await spawnReporting<{ url: string }>(
    fileURLToPath(new URL(file, import.meta.url)),
    {
      args: [JSON.stringify({ ...extra, inventoryUrl, paymentsUrl, auth } satisfies WorkerArgs)],
      // DBOS 5.3.0 queues queries on a busy pg client, which pg 8 warns about on every run.
      nodeFlags: ['--no-deprecation'],
    },
  );
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
