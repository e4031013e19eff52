import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { closeServer, listen } from '../listen.ts';
import { consoleApp } from './app.ts';
import { startMetricsSampler } from './metrics/sampler.ts';
import { consoleSources, type ConsoleFunction, type ConsoleService } from './sources.ts';
import { buildUi } from './ui-bundle.ts';

export interface ConsoleOptions {
  /** 0 = any free port. */
  port: number;
  /** Default 127.0.0.1; the console is for this machine only. */
  host?: string;
  functions: readonly ConsoleFunction[];
  services: readonly ConsoleService[];
  /** The variables the functions see (`.dev.vars`): QStash, Redis, Postgres, OTLP, settings. */
  vars: Record<string, string | undefined>;
  /** Scrape interval of the functions' `/metrics`, ms. Default 2,000. */
  sampleIntervalMs?: number;
  log?: (line: string) => void;
}

/** The running console. */
export interface Console {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the operations console (docs/console.md) on host:port. */
export async function startConsole(options: ConsoleOptions): Promise<Console> {
  const { host = '127.0.0.1', vars } = options;
  const operatorToken = vars.EDGEMESH_OPERATOR_TOKEN;
  if (!operatorToken) throw new Error('console: EDGEMESH_OPERATOR_TOKEN is not set');
  const sources = consoleSources(vars, options.functions, options.services);
  const ui = await buildUi();
  const sampler = startMetricsSampler(options.functions, {
    ...(options.sampleIntervalMs ? { intervalMs: options.sampleIntervalMs } : {}),
  });
  let bound = 0;
  const app = consoleApp({
    sources,
    sampler,
    ui,
    operatorToken,
    port: () => bound,
    ...(options.log ? { log: options.log } : {}),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    bound = await listen(server, options.port, host, 'console');
  } catch (error) {
    sampler.stop();
    throw error;
  }
  return {
    url: `http://${host}:${bound}`,
    async close() {
      sampler.stop();
      await closeServer(server);
    },
  };
}
