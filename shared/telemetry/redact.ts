import type { Env } from '../runtime/runtime.ts';

/** Variables whose values are secrets: never logged, never exported as span attributes. */
export const secretVarNames: readonly string[] = [
  'UPSTASH_REDIS_REST_TOKEN',
  'SERVICE_AUTH_SECRET',
  'QSTASH_TOKEN',
  'QSTASH_CURRENT_SIGNING_KEY',
  'QSTASH_NEXT_SIGNING_KEY',
  'OTEL_EXPORTER_OTLP_HEADERS',
];

/** What replaces a secret in a log line. */
export const redacted = '[REDACTED]';

const secretFieldName = /pass(word)?|secret|token|authorization|api[-_]?key|cookie|signature/i;
const bearer = /\b(Bearer|Basic)\s+[\w\-.~+/=]+/gi;
const urlPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s/]+)@/gi;

/** Replaces known secret values, bearer/basic credentials and URL passwords in a string. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor from the secrets in `env`: the values of the known secret variables, the
 * password in `DATABASE_URL`, and any `*_SECRET`, `*_TOKEN`, `*_KEY`, `*_PASSWORD` variable.
 */
export function redactorFor(env: Env = {}): Redactor {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 6) continue;
    if (secretVarNames.includes(name) || /(SECRET|TOKEN|_KEY|PASSWORD)$/.test(name)) {
      secrets.add(value);
    }
    for (const match of value.matchAll(urlPassword)) {
      const password = match[2]!;
      secrets.add(password);
      try {
        secrets.add(decodeURIComponent(password));
      } catch {
        // Not percent-encoded: the raw form is already listed.
      }
    }
  }
  const ordered = [...secrets]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  return function redact(text) {
    let out = text.replace(bearer, `$1 ${redacted}`).replace(urlPassword, `$1${redacted}@`);
    for (const secret of ordered) if (out.includes(secret)) out = out.replaceAll(secret, redacted);
    return out;
  };
}

/** True for field names that hold credentials (`password`, `token`, `authorization`, …). */
export function isSecretFieldName(name: string): boolean {
  return secretFieldName.test(name);
}
