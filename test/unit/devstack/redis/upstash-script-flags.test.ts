import { describe, expect, it } from 'vitest';
import { embeddedRedisBackend } from '../../../../devstack/redis/embedded-backend.ts';
import { sha1hex } from '../../../../devstack/redis/engine/lua/vm.ts';
import { upstashRestApp } from '../../../../devstack/redis/rest-endpoint.ts';
import { withoutUpstashFlags } from '../../../../devstack/redis/upstash-script-flags.ts';

const TOKEN = 't0ken';
const SCRIPT = "#!lua flags=allow-key-locking\nreturn redis.call('incr', KEYS[1])";

function app() {
  const backend = embeddedRedisBackend({ now: () => 0 });
  const commands: string[][] = [];
  const recording = {
    ...backend,
    execute: (command: readonly string[]) => {
      commands.push([...command]);
      return backend.execute(command);
    },
  };
  return { app: upstashRestApp({ backend: recording, token: TOKEN }), commands };
}

async function post(a: ReturnType<typeof app>['app'], path: string, body: unknown) {
  const response = await a.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('Upstash-only script flags on the REST endpoint', () => {
  it('drops allow-key-locking and keeps the flags Redis knows', () => {
    expect(withoutUpstashFlags('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    expect(withoutUpstashFlags('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe(
      '#!lua flags=no-writes\nreturn 1',
    );
    expect(withoutUpstashFlags('#!lua flags=no-writes\nreturn 1')).toBeNull();
    expect(withoutUpstashFlags('return 1')).toBeNull();
  });

  it('runs such a script by EVAL, then by the sha1 of the script the client sent', async () => {
    const { app: a, commands } = app();
    expect(await post(a, '/', ['evalsha', sha1hex(SCRIPT), 1, 'k'])).toEqual({
      status: 400,
      body: { error: 'NOSCRIPT No matching script. Please use EVAL.' },
    });
    expect(await post(a, '/', ['eval', SCRIPT, 1, 'k'])).toEqual({
      status: 200,
      body: { result: 1 },
    });
    expect(await post(a, '/', ['evalsha', sha1hex(SCRIPT), 1, 'k'])).toEqual({
      status: 200,
      body: { result: 2 },
    });
    expect(await post(a, '/', ['script', 'exists', sha1hex(SCRIPT)])).toEqual({
      status: 200,
      body: { result: [1] },
    });
    expect(commands.at(-2)?.[1]).toBe(sha1hex("#!lua\nreturn redis.call('incr', KEYS[1])"));
  });

  it('answers SCRIPT LOAD with the sha1 of the script as sent, also inside a pipeline', async () => {
    const { app: a } = app();
    expect(
      await post(a, '/pipeline', [
        ['script', 'load', SCRIPT],
        ['evalsha', sha1hex(SCRIPT), 1, 'p'],
      ]),
    ).toEqual({
      status: 200,
      body: [{ result: sha1hex(SCRIPT) }, { result: 1 }],
    });
  });

  it('names the sha1 the client knows in the errors of such a script', async () => {
    const { app: a } = app();
    await post(a, '/', ['set', 'text', 'x']);
    const response = await post(a, '/', ['eval', SCRIPT, 1, 'text']);
    expect(response).toEqual({
      status: 400,
      body: {
        error: `ERR value is not an integer or out of range script: ${sha1hex(SCRIPT)}, on @user_script:2.`,
      },
    });
  });
});
