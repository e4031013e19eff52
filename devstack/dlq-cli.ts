// `npm run dlq -- list` and `npm run dlq -- replay <dlqId…|--all>`: the dead-letter queue of the
// QStash in QSTASH_URL/QSTASH_TOKEN, or of the local devstack (from .dev.vars) when unset.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@upstash/qstash';
import { liveDevstack } from './live.ts';
import { repoRoot, stateDir } from './paths.ts';

const usage = 'usage: npm run dlq -- list [--url URL] | replay <dlqId…|--all>';

/** QSTASH_URL/QSTASH_TOKEN from the environment, else from the devstack's .dev.vars. */
function qstashEnv(): { url?: string; token: string; source: string; instance?: string } {
  if (process.env.QSTASH_TOKEN) {
    return {
      token: process.env.QSTASH_TOKEN,
      ...(process.env.QSTASH_URL ? { url: process.env.QSTASH_URL } : {}),
      source: 'environment',
    };
  }
  const file = join(repoRoot, '.dev.vars');
  if (!existsSync(file)) {
    throw new Error('QSTASH_TOKEN is not set and there is no .dev.vars (run `npm start` first)');
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!;
    vars[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  if (!vars.QSTASH_TOKEN || !vars.QSTASH_URL) {
    throw new Error('.dev.vars has no QSTASH_URL/QSTASH_TOKEN (restart `npm start`)');
  }
  return {
    url: vars.QSTASH_URL,
    token: vars.QSTASH_TOKEN,
    source: '.dev.vars',
    ...(vars.EDGEMESH_INSTANCE ? { instance: vars.EDGEMESH_INSTANCE } : {}),
  };
}

/** .dev.vars must belong to the devstack that is running, not to one that stopped. */
async function checkLive(instance: string | undefined): Promise<void> {
  const live = await liveDevstack(stateDir);
  if (!live || live.instance !== instance) {
    throw new Error('the devstack that wrote .dev.vars is not running (run `npm start`)');
  }
}

const cut = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 1)}…` : text;

async function list(client: Client, url: string | undefined): Promise<void> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await client.dlq.listMessages({
      count: 100,
      ...(cursor ? { cursor } : {}),
      ...(url ? { filter: { url } } : {}),
    });
    for (const message of page.messages) {
      count += 1;
      const target = message.topicName ? `${message.topicName} → ${message.url}` : message.url;
      const body = (message.body ?? '').replaceAll(/\s+/g, ' ');
      const response = (message.responseBody ?? '').replaceAll(/\s+/g, ' ');
      console.log(
        [
          message.dlqId,
          message.messageId,
          String(message.responseStatus ?? '-'),
          new Date(message.createdAt).toISOString(),
          target,
          `body=${cut(body, 80)}`,
          `response=${cut(response, 80)}`,
        ].join('  '),
      );
    }
    cursor = page.cursor || undefined;
  } while (cursor);
  console.log(`${count} dead letter(s).`);
}

async function replay(client: Client, ids: string[], all: boolean): Promise<void> {
  const messageIds: string[] = [];
  if (all) {
    let cursor: string | undefined;
    do {
      const result = await client.dlq.retry({
        all: true,
        count: 100,
        ...(cursor ? { cursor } : {}),
      });
      messageIds.push(...result.responses.map((r) => r.messageId));
      cursor = result.cursor || undefined;
    } while (cursor);
  } else {
    for (const id of ids) {
      const result = await client.dlq.retry(id);
      messageIds.push(...result.responses.map((r) => r.messageId));
    }
  }
  for (const id of messageIds) console.log(`replayed as ${id}`);
  console.log(`${messageIds.length} message(s) replayed.`);
}

try {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'list' && command !== 'replay') throw new Error(usage);
  const env = qstashEnv();
  if (env.source === '.dev.vars') await checkLive(env.instance);
  const client = new Client({ token: env.token, ...(env.url ? { baseUrl: env.url } : {}) });
  if (command === 'list') {
    const at = rest.indexOf('--url');
    await list(client, at >= 0 ? rest[at + 1] : undefined);
  } else {
    const all = rest.includes('--all');
    const ids = rest.filter((arg) => !arg.startsWith('--'));
    if (!all && ids.length === 0) throw new Error(usage);
    await replay(client, ids, all);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`dlq: ${message.split('\n')[0]}`);
  process.exitCode = 1;
}
