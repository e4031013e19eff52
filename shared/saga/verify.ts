import type { Receiver } from '@upstash/qstash';
import type { MessageVerifier } from './routes.ts';

/**
 * The seam that checks `Upstash-Signature` with the official `Receiver` (current key, then next);
 * a bad or expired signature is false, never a throw.
 * @example sagaRoutes(orchestrator, { verify: receiverVerifier(new Receiver({ currentSigningKey, nextSigningKey })) })
 */
export function receiverVerifier(receiver: Receiver): MessageVerifier {
  return function verifyWithReceiver(signature, body) {
    return receiver.verify({ signature, body }).catch(() => false);
  };
}
