// `npm run config -- <command> <service|global> [path] [value]`: reads and changes the live
// settings of the devstack (from .dev.vars and .devstack/endpoints.json) or of the Upstash or
// etcd named in the environment. Bad input prints one line and exits 1, and nothing changes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigStore } from '../shared/config/config-store.ts';
import { createSettingsAdmin, type SettingsAdmin } from '../shared/config/settings-admin.ts';
import {
  getPath,
  isPlainObject,
  type SettingsDocument,
} from '../shared/config/settings-document.ts';
import { decodeSettings, globalScope, settingsKey } from '../shared/config/settings-envelope.ts';
import { formatChanges, formatRevision, parseValue } from './config/format.ts';
import { loadServiceSettings } from './config/services.ts';
import { configTarget } from './config/target.ts';

const usage = `usage: npm run config -- <command> <service|global> [path] [value] [options]
  get <service> [path]          effective settings of a service (global: its own document)
  set <scope> <path> <value>    value as JSON (30, true, "text", {"a":1}) or plain text
  unset <scope> <path>          drop an override, so the inherited value or default applies
  edit <scope>                  edit the document in $EDITOR
  diff <scope> [from] [to]      what changed between two revisions (default: last change)
  history <scope> [--limit N]   revisions, newest first, with who changed what and when
  rollback <scope> <revision>   write a new revision with the content of an old one
  watch <scope> [--count N]     print each new revision as it lands
options: --expect <revision> (refuse unless still at it), --actor <name>,
         --store upstash|etcd, --functions <dir>`;

class UsageError extends Error {}

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        expect: { type: 'string' },
        actor: { type: 'string' },
        store: { type: 'string' },
        functions: { type: 'string' },
        limit: { type: 'string' },
        count: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`config: ${(error as Error).message}`);
    console.error(usage);
    process.exit(1);
  }
})();

function wholeNumber(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

const actor = options.actor || process.env.EDGEMESH_ACTOR || `${userInfo().username}@${hostname()}`;
const expectedRevision = wholeNumber(options.expect, '--expect');
const change = { actor, ...(expectedRevision !== undefined ? { expectedRevision } : {}) };

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new UsageError(`missing ${what} (npm run config -- --help)`);
  return value;
}

function printResult(scope: string, result: Awaited<ReturnType<SettingsAdmin['set']>>) {
  if (result.unchanged) console.log(`${scope}: unchanged at revision ${result.revision}`);
  else {
    console.log(
      `${scope}: revision ${result.revision} by ${actor}: ${formatChanges(result.changes)}`,
    );
  }
}

async function get(admin: SettingsAdmin, scope: string, path?: string) {
  let document: unknown;
  if (scope === globalScope) {
    const state = await admin.read(scope);
    document = state.good.settings;
    console.error(`global: revision ${state.good.revision}`);
  } else {
    const effective = await admin.effective(scope);
    document = effective.settings;
    console.error(
      `${scope}: revision ${effective.revision.service} (global ${effective.revision.global})`,
    );
  }
  const value = path ? getPath(document as SettingsDocument, path) : document;
  if (value === undefined) throw new UsageError(`${scope} has no setting ${path}`);
  console.log(JSON.stringify(value, null, 2));
}

async function edit(admin: SettingsAdmin, scope: string) {
  const state = await admin.read(scope);
  const dir = mkdtempSync(join(tmpdir(), 'edgemesh-config-'));
  const file = join(dir, `${scope}.json`);
  try {
    writeFileSync(file, `${JSON.stringify(state.good.settings, null, 2)}\n`);
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    const run = spawnSync(`${editor} "${file}"`, { stdio: 'inherit', shell: true });
    if (run.status !== 0)
      throw new UsageError(`${editor} exited with ${run.status}; nothing changed`);
    let edited: unknown;
    try {
      edited = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`not JSON (${(error as Error).message}); nothing changed`);
    }
    if (!isPlainObject(edited))
      throw new UsageError('the document must be a JSON object; nothing changed');
    const result = await admin.replace(scope, edited as SettingsDocument, {
      ...change,
      expectedRevision: expectedRevision ?? state.revision,
    });
    printResult(scope, result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function watch(store: ConfigStore, scope: string) {
  const scopes = scope === globalScope ? [globalScope] : [globalScope, scope];
  const keys = scopes.map(settingsKey);
  const since = await store.heads(keys);
  const limit = wholeNumber(options.count, '--count');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  console.error(`watching ${scopes.join(' and ')} on ${store.description} (Ctrl-C stops)`);
  let seen = 0;
  for await (const entry of store.watch(keys, { since, signal: controller.signal })) {
    const name = scopes[keys.indexOf(entry.key)]!;
    const decoded = decodeSettings(entry.value);
    console.log(
      `${name}:${formatRevision(
        decoded.ok
          ? { revision: entry.revision, record: decoded.record }
          : { revision: entry.revision, corrupt: decoded.reason },
      )}`,
    );
    seen += 1;
    if (limit !== undefined && seen >= limit) break;
  }
}

async function main() {
  if (options.help) return console.log(usage);
  const [command, scope, ...rest] = positionals;
  const commands = ['get', 'set', 'unset', 'edit', 'diff', 'history', 'rollback', 'watch'];
  if (!command || !commands.includes(command)) {
    throw new UsageError(`${command ? `unknown command "${command}"` : 'no command'}\n${usage}`);
  }
  const name = need(scope, 'the service (or global)');
  const services = await loadServiceSettings(options.functions);
  const store = configTarget(options.store ? { store: options.store } : {});
  const admin = createSettingsAdmin({
    store,
    services: Object.fromEntries(services.map((s) => [s.name, s.settings])),
  });
  // Unknown names fail here, before anything is read or written.
  if (name !== globalScope && !services.some((s) => s.name === name)) {
    const known = [globalScope, ...services.map((s) => s.name)].join(', ');
    throw new UsageError(`unknown service "${name}" (known: ${known})`);
  }
  switch (command) {
    case 'get':
      return get(admin, name, rest[0]);
    case 'set':
      return printResult(
        name,
        await admin.set(
          name,
          need(rest[0], 'the path'),
          parseValue(need(rest[1], 'the value')),
          change,
        ),
      );
    case 'unset':
      return printResult(name, await admin.unset(name, need(rest[0], 'the path'), change));
    case 'edit':
      return edit(admin, name);
    case 'diff': {
      const to = wholeNumber(rest[1], 'the second revision');
      const state = await admin.read(name);
      const from =
        wholeNumber(rest[0], 'the first revision') ?? Math.max(0, state.good.revision - 1);
      console.log(formatChanges(await admin.diff(name, from, to)));
      return;
    }
    case 'history': {
      const limit = wholeNumber(options.limit, '--limit') ?? 20;
      const views = await admin.history(name, { limit });
      if (views.length === 0) console.log(`${name}: no revisions yet (defaults in force)`);
      for (const view of views) console.log(formatRevision(view));
      return;
    }
    case 'rollback': {
      const revision = wholeNumber(need(rest[0], 'the revision to roll back to'), 'the revision')!;
      return printResult(name, await admin.rollback(name, revision, change));
    }
    case 'watch':
      return watch(store, name);
  }
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`config: ${error instanceof UsageError ? message : message.split('\n')[0]}`);
  process.exitCode = 1;
}
// Idle keep-alive sockets of the store's client would hold the process open for seconds.
process.exit();
