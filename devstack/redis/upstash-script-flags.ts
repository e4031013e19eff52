import { createHash } from 'node:crypto';
import { bulk, errorReply, type Reply } from './reply.ts';

/**
 * Shebang flags Upstash accepts and Redis refuses ("ERR Unexpected flag in script shebang").
 * `@upstash/ratelimit` ≥ 2.1 starts every limit script with `#!lua flags=allow-key-locking`,
 * which lets Upstash lock only the script's KEYS; a Redis that runs scripts one at a time
 * needs no such hint, so dropping it changes nothing but the script's sha1.
 */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);

/** A command as the backend should get it, and how to show its reply as Upstash would. */
export interface TranslatedCommand {
  readonly command: readonly string[];
  readonly reply?: (reply: Reply) => Reply;
}

export interface UpstashScriptFlags {
  translate(command: readonly string[]): TranslatedCommand;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** The script without Upstash-only flags, or null when it has none. */
export function withoutUpstashFlags(script: string): string | null {
  if (!script.startsWith('#!')) return null;
  const end = script.indexOf('\n');
  if (end < 0) return null;
  const words = script
    .slice(0, end)
    .trim()
    .split(/[ \t]+/);
  let changed = false;
  const kept = words.flatMap((word) => {
    if (!word.startsWith('flags=')) return [word];
    const flags = word.slice(6).split(',');
    const redisFlags = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
    if (redisFlags.length === flags.length) return [word];
    changed = true;
    return redisFlags.length > 0 ? [`flags=${redisFlags.join(',')}`] : [];
  });
  return changed ? `${kept.join(' ')}${script.slice(end)}` : null;
}

/**
 * Rewrites EVAL, EVALSHA and SCRIPT LOAD/EXISTS so that scripts written for Upstash run on
 * Redis, while clients keep seeing the sha1 of the script they sent: the hashes that
 * `@upstash/ratelimit` hard-codes for EVALSHA must find the rewritten script. The map
 * lives as long as the endpoint; after a restart EVALSHA answers NOSCRIPT and the client's
 * EVAL fallback rebuilds it.
 */
export function upstashScriptFlags(): UpstashScriptFlags {
  const redisSha = new Map<string, string>();

  const remember = (script: string, rewritten: string) => {
    const original = sha1(script);
    const stored = sha1(rewritten);
    redisSha.set(original, stored);
    return { original, stored };
  };
  const showOriginal =
    ({ original, stored }: { original: string; stored: string }) =>
    (reply: Reply): Reply =>
      reply.kind === 'error' ? errorReply(reply.message.replaceAll(stored, original)) : reply;

  return {
    translate(command) {
      const [name = '', first = '', ...rest] = command;
      switch (name.toLowerCase()) {
        case 'eval':
        case 'eval_ro': {
          const rewritten = withoutUpstashFlags(first);
          if (rewritten === null) return { command };
          return {
            command: [name, rewritten, ...rest],
            reply: showOriginal(remember(first, rewritten)),
          };
        }
        case 'evalsha':
        case 'evalsha_ro': {
          const stored = redisSha.get(first.toLowerCase());
          if (stored === undefined) return { command };
          return {
            command: [name, stored, ...rest],
            reply: showOriginal({ original: first, stored }),
          };
        }
        case 'script': {
          const sub = first.toLowerCase();
          if (sub === 'load' && rest.length === 1) {
            const script = rest[0] ?? '';
            const rewritten = withoutUpstashFlags(script);
            if (rewritten === null) return { command };
            const { original } = remember(script, rewritten);
            return {
              command: [name, first, rewritten],
              reply: (reply) => (reply.kind === 'bulk' ? bulk(original) : reply),
            };
          }
          if (sub === 'exists') {
            const shas = rest.map((sha) => redisSha.get(sha.toLowerCase()) ?? sha);
            return { command: [name, first, ...shas] };
          }
          return { command };
        }
        default:
          return { command };
      }
    },
  };
}
