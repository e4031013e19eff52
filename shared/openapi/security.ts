import { signatureHeader } from '../http/auth.ts';

/**
 * Who may call an internal route: a service's name (a service signature from it), `operator`
 * (the operator's bearer token) or `qstash` (a QStash delivery, `Upstash-Signature`).
 */
export type Caller = string;

/** The security schemes of every document, named as operations' `security` refers to them. */
export const securitySchemes = {
  serviceSignature: {
    type: 'apiKey',
    in: 'header',
    name: signatureHeader,
    description:
      'HMAC-SHA256 over method, path, query, body hash, caller, time, deadline and a nonce, with SERVICE_AUTH_SECRET (docs/security.md). The caller must be one the route lists (x-edgemesh-callers); a replayed nonce is refused.',
  },
  operatorToken: {
    type: 'http',
    scheme: 'bearer',
    description: "The operator's token, EDGEMESH_OPERATOR_TOKEN.",
  },
  qstashSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Upstash-Signature',
    description:
      'A QStash delivery: a JWT signed with QSTASH_CURRENT_SIGNING_KEY (or the next key) over the URL and the body hash.',
  },
} as const;

/** An internal operation's `security` (any one scheme suffices), its callers and its mark. */
export function securityOf(callers: readonly Caller[]) {
  const services = callers.filter((caller) => caller !== 'operator' && caller !== 'qstash');
  const schemes = [
    ...(callers.includes('operator') ? ['operatorToken'] : []),
    ...(services.length > 0 ? ['serviceSignature'] : []),
    ...(callers.includes('qstash') ? ['qstashSignature'] : []),
  ];
  const security: Array<Record<string, string[]>> = schemes.map((scheme) => ({ [scheme]: [] }));
  return { security, 'x-internal': true, 'x-edgemesh-callers': [...callers] };
}
