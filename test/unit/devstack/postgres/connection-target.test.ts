import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../../shared/errors/index.ts';
import {
  hostPolicy,
  isLoopbackHost,
  parseAddress,
  parseConnectionString,
} from '../../../../devstack/postgres/connection-target.ts';

describe('parseConnectionString', () => {
  it('reads the target the driver sends in Neon-Connection-String', () => {
    const target = parseConnectionString(
      'postgresql://app%40x:p%40ss%2Fw@127.0.0.1:6543/my%20db?sslmode=require&application_name=pkg%3Anpm%2F%2540neondatabase%2Fserverless%401.2.0',
    );
    expect(target).toEqual({
      host: '127.0.0.1',
      port: 6543,
      user: 'app@x',
      password: 'p@ss/w',
      database: 'my db',
      applicationName: 'pkg:npm/%40neondatabase/serverless@1.2.0',
    });
  });

  it('defaults the port to 5432 and the database to the user name, like libpq', () => {
    expect(parseConnectionString('postgres://alice@localhost')).toMatchObject({
      host: 'localhost',
      port: 5432,
      password: undefined,
      database: 'alice',
    });
  });

  it('strips the brackets of an IPv6 host', () => {
    expect(parseConnectionString('postgres://u@[::1]:5433/db').host).toBe('::1');
  });

  it.each([
    [undefined, 'missing'],
    ['not a url', 'not a URL'],
    ['mysql://u@127.0.0.1/db', 'postgres://'],
    ['postgres://127.0.0.1/db', 'no user'],
  ])('rejects %s as a validation error', (value, message) => {
    const attempt = () => parseConnectionString(value);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(hasCode(error, 'VALIDATION')).toBe(true);
    }
  });
});

describe('parseAddress', () => {
  it('reads host:port and bracketed IPv6', () => {
    expect(parseAddress('127.0.0.1:5432')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(parseAddress('[::1]:6432')).toEqual({ host: '::1', port: 6432 });
  });

  it.each([null, '', 'localhost', 'localhost:0', 'localhost:70000', ':5432'])(
    'rejects %j',
    (value) => {
      expect(() => parseAddress(value)).toThrow(/address must be host:port/);
    },
  );
});

describe('host policy', () => {
  it('treats localhost and the loopback ranges as loopback', () => {
    for (const host of ['localhost', 'db.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.nip.io', '::2']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('allows only loopback by default, listed hosts in addition, and anything with *', () => {
    expect(hostPolicy()('10.0.0.1')).toBe(false);
    expect(hostPolicy()('127.0.0.1')).toBe(true);
    const listed = hostPolicy(['DB.localtest.me']);
    expect(listed('db.localtest.me')).toBe(true);
    expect(listed('other.localtest.me')).toBe(false);
    expect(hostPolicy('*')('10.0.0.1')).toBe(true);
  });
});
