import type { Receiver } from '@upstash/qstash';
import { qstashVerifier } from '../queue/signature.ts';
import type { MessageVerifier } from './routes.ts';

/**
 * The seam that checks `Upstash-Signature` with the official `Receiver` (current key, then next)
 * through the queue module's verifier, including the token's `sub` against the delivered URL;
 * a bad or expired signature is false, never a throw.
 * @example sagaRoutes(orchestrator, { verify: receiverVerifier(new Receiver({ currentSigningKey, nextSigningKey })) })
 */
export function receiverVerifier(receiver: Pick<Receiver, 'verify'>): MessageVerifier {
  const verify = qstashVerifier(receiver);
  return function verifyWithReceiver(signature, body, url) {
    return verify({ signature, body, url });
  };
}
