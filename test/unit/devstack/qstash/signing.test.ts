import { Receiver } from '@upstash/qstash';
import { describe, expect, it } from 'vitest';
import { devCredentials } from '../../../../devstack/qstash/credentials.ts';
import { bodyHash, signDelivery } from '../../../../devstack/qstash/signing.ts';

const receiver = new Receiver({
  currentSigningKey: devCredentials.currentSigningKey,
  nextSigningKey: devCredentials.nextSigningKey,
});
const url = 'https://api.example/hook?x=1';
const body = '{"hello":"wörld"}';

describe('Upstash-Signature', () => {
  it('is an HS256 JWT with QStash claims that the official Receiver accepts', async () => {
    const token = signDelivery(
      devCredentials.currentSigningKey,
      url,
      Buffer.from(body),
      Date.now(),
    );
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map(
        (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
      );
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'Upstash', sub: url, body: bodyHash(Buffer.from(body)) });
    expect((payload!.exp as number) - (payload!.iat as number)).toBe(300);
    expect(payload!.jti).toMatch(/^jwt_/);
    await expect(receiver.verify({ signature: token, body, url })).resolves.toBe(true);
  });

  it('verifies with the next key too, and fails on a tampered body, URL or key', async () => {
    const token = signDelivery(devCredentials.nextSigningKey, url, Buffer.from(body), Date.now());
    await expect(receiver.verify({ signature: token, body })).resolves.toBe(true);
    await expect(receiver.verify({ signature: token, body: `${body} ` })).rejects.toThrow();
    await expect(
      receiver.verify({ signature: token, body, url: 'https://api.example/other' }),
    ).rejects.toThrow();
    const forged = signDelivery('sig_someone_else', url, Buffer.from(body), Date.now());
    await expect(receiver.verify({ signature: forged, body })).rejects.toThrow();
  });

  it('expires after five minutes', async () => {
    const token = signDelivery(
      devCredentials.currentSigningKey,
      url,
      Buffer.from(body),
      Date.now() - 301_000,
    );
    await expect(receiver.verify({ signature: token, body })).rejects.toThrow();
  });
});
