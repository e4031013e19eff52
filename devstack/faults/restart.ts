import * as z from 'zod';
import { EdgeMeshError } from '../../shared/errors/index.ts';

/** What a restart may be asked to do differently; each command says which it honours. */
export interface RestartOptions {
  /** Keep the data across the restart. Default true; only Redis can start empty. */
  keepData?: boolean;
  /** Embedded Redis only: how long commands fail while it restarts, ms. */
  downMs?: number;
}

/** A dependency the devstack can restart: `postgres`, `redis`, `qstash`, a function's process. */
export interface RestartCommand {
  /** One line: what is restarted and what it keeps. */
  readonly description: string;
  /** Restarts and resolves once it serves again, with one line saying what happened. */
  run(options: RestartOptions): Promise<string>;
}

/** What a restart reports back, e.g. to `POST /restarts/<name>`. */
export interface RestartReport {
  name: string;
  /** From the call to serving again, ms. */
  tookMs: number;
  detail: string;
}

export const restartOptionsSchema = z
  .object({
    keepData: z.boolean().optional(),
    downMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

/** Refuses options a command cannot honour, naming the field. */
export function onlyKeepingData(what: string, options: RestartOptions): void {
  if (options.keepData === false) {
    throw new EdgeMeshError(
      'VALIDATION',
      `${what} always keeps its data; keepData: false is not supported`,
      {
        issues: [{ path: 'keepData', message: `${what} cannot restart empty` }],
      },
    );
  }
  if (options.downMs !== undefined) {
    throw new EdgeMeshError(
      'VALIDATION',
      `${what} is down as long as its restart takes; downMs is not supported`,
      {
        issues: [{ path: 'downMs', message: 'only the embedded Redis engine takes downMs' }],
      },
    );
  }
}

/** Runs one restart command and times it. */
export async function runRestart(
  name: string,
  command: RestartCommand,
  options: RestartOptions = {},
): Promise<RestartReport> {
  const started = Date.now();
  const detail = await command.run(options);
  return { name, tookMs: Date.now() - started, detail };
}

/** The same command, refusing (CONFLICT) to start while a run of it is still going. */
export function oneAtATime(name: string, command: RestartCommand): RestartCommand {
  let running = false;
  return {
    description: command.description,
    async run(options) {
      if (running) throw new EdgeMeshError('CONFLICT', `${name} is already restarting`);
      running = true;
      try {
        return await command.run(options);
      } finally {
        running = false;
      }
    },
  };
}
