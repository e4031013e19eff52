import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load.ts';
import { requireSigningKeysWithToken, storageVars } from '../../../../shared/config/vars.ts';
import { hasCode } from '../../../../shared/errors/edgemesh-error.ts';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
  UPSTASH_REDIS_REST_TOKEN: 'token',
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(hasCode(error, 'CONFIG')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('returns a frozen, typed config for valid variables', () => {
    const config = loadConfig(valid, storageVars);
    expect(config.DATABASE_URL).toBe(valid.DATABASE_URL);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing and malformed variable on one line', () => {
    const message = messageOf(() =>
      loadConfig({ DATABASE_URL: 'mysql://x', UPSTASH_REDIS_REST_URL: 'not a url' }, storageVars),
    );
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('DATABASE_URL is invalid');
    expect(message).toContain('UPSTASH_REDIS_REST_URL is invalid');
    expect(message).toContain('UPSTASH_REDIS_REST_TOKEN is missing');
  });

  it('treats an empty variable as missing', () => {
    expect(
      messageOf(() => loadConfig({ ...valid, UPSTASH_REDIS_REST_TOKEN: '' }, storageVars)),
    ).toBe('invalid configuration: UPSTASH_REDIS_REST_TOKEN is missing');
  });

  it('rejects a NEON_WS_PROXY with a scheme, since the driver adds ws://', () => {
    expect(
      messageOf(() =>
        loadConfig({ ...valid, NEON_WS_PROXY: 'ws://127.0.0.1:4444/v2' }, storageVars),
      ),
    ).toContain('NEON_WS_PROXY is invalid');
  });
});

describe('requireSigningKeysWithToken', () => {
  it('names each signing key missing next to a QStash token', () => {
    expect(() =>
      requireSigningKeysWithToken({ QSTASH_TOKEN: 't', QSTASH_CURRENT_SIGNING_KEY: 'k' }),
    ).toThrow('QSTASH_NEXT_SIGNING_KEY is missing');
  });

  it('accepts no token at all, or a token with both keys', () => {
    expect(() => requireSigningKeysWithToken({})).not.toThrow();
    expect(() =>
      requireSigningKeysWithToken({
        QSTASH_TOKEN: 't',
        QSTASH_CURRENT_SIGNING_KEY: 'a',
        QSTASH_NEXT_SIGNING_KEY: 'b',
      }),
    ).not.toThrow();
  });
});
