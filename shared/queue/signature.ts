import type { Receiver } from '@upstash/qstash';

/** Checks an `Upstash-Signature` against the raw body and the URL it was delivered to. */
export type SignatureVerifier = (input: {
  signature: string;
  body: string;
  url: string;
}) => Promise<boolean>;

export interface QstashVerifierOptions {
  /** Seconds of clock skew accepted on `exp`/`nbf`. Default 0. */
  clockToleranceSeconds?: number;
  /** Check the token's `sub` against the delivered URL. Default true. */
  checkUrl?: boolean;
}

/**
 * A {@link SignatureVerifier} over the official `Receiver`, which tries the current signing key
 * and then the next one, so keys rotate without dropping messages. Never throws.
 * @example qstashVerifier(new Receiver({ currentSigningKey, nextSigningKey }))
 */
export function qstashVerifier(
  receiver: Pick<Receiver, 'verify'>,
  { clockToleranceSeconds = 0, checkUrl = true }: QstashVerifierOptions = {},
): SignatureVerifier {
  return async function verifySignature({ signature, body, url }) {
    try {
      return await receiver.verify({
        signature,
        body,
        clockTolerance: clockToleranceSeconds,
        ...(checkUrl ? { url } : {}),
      });
    } catch {
      return false;
    }
  };
}
