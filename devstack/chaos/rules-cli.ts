import type { JsonValue } from '../../shared/config/index.ts';
import { actor, endRule, type SettingsAdmin } from './target.ts';

/** A bad command line: one line, exit 1. */
export class ChaosUsageError extends Error {}

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `10m`, `90s`, `1h` → ms; refuses more than a day (a forgotten experiment must end). */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  const ms = match ? Number(match[1]) * units[match[2]!]! : NaN;
  if (!(ms > 0 && ms <= 86_400_000)) {
    throw new ChaosUsageError(`--for must be a duration up to 24h (90s, 10m, 1h), got "${text}"`);
  }
  return ms;
}

/**
 * `latency:1000[:jitter]`, `error[:503]`, `abort[:ms]`, `reset`, `slow-body:bytesPerSecond`,
 * `drop-ack`, `duplicate`, `delay:ms`, `fail` → the rule's `fault`.
 */
export function faultOf(text: string): Record<string, JsonValue> {
  const [kind = '', first, second] = text.split(':');
  const n = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const fields: Record<string, Record<string, number | undefined>> = {
    latency: { ms: n(first), jitterMs: n(second) },
    error: { status: n(first) },
    abort: { afterMs: n(first) },
    'slow-body': { bytesPerSecond: n(first) },
    delay: { ms: n(first) },
  };
  const defined = Object.entries(fields[kind] ?? {}).filter(([, v]) => v !== undefined);
  return { kind, ...Object.fromEntries(defined) };
}

export interface AddOptions {
  fault?: string | undefined;
  for?: string | undefined;
  service?: string | undefined;
  dependency?: string | undefined;
  route?: string | undefined;
  experiment?: string | undefined;
  percentage?: string | undefined;
}

/** `add <id>`: a rule in the global settings, validated before it is written. */
export async function addRule(admin: SettingsAdmin, id: string, options: AddOptions) {
  if (!options.fault) throw new ChaosUsageError('add needs --fault (e.g. latency:1000)');
  const expiresAt = new Date(Date.now() + durationMs(options.for ?? '10m')).toISOString();
  const rule: Record<string, JsonValue> = { fault: faultOf(options.fault), expiresAt };
  for (const key of ['service', 'dependency', 'route', 'experiment'] as const) {
    if (options[key]) rule[key] = options[key];
  }
  if (options.percentage) rule.percentage = Number(options.percentage);
  const result = await admin.set('global', `chaos.rules.${id}`, rule, actor);
  console.log(`chaos: rule ${id} in force until ${expiresAt} (global revision ${result.revision})`);
}

/** `end`, `halt`, `resume`, `list`. */
export async function ruleCommand(admin: SettingsAdmin, command: string, id: string | undefined) {
  if (command === 'end') {
    if (!id) throw new ChaosUsageError('end needs the rule id');
    await endRule({ admin }, id);
    return console.log(`chaos: rule ${id} ended`);
  }
  if (command === 'halt') {
    await admin.set('global', 'chaos.halt', true, actor);
    return console.log('chaos: halted, no rule is injected anywhere (npm run chaos -- resume)');
  }
  if (command === 'resume') {
    await admin.unset('global', 'chaos.halt', actor);
    return console.log('chaos: resumed, rules in force apply again');
  }
  const { good } = await admin.read('global');
  console.log(JSON.stringify((good.settings as { chaos?: unknown }).chaos ?? {}, null, 2));
}
