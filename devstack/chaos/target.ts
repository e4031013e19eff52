import type { createSettingsAdmin } from '../../shared/config/index.ts';

/** The settings admin the chaos tools write rules with. */
export type SettingsAdmin = ReturnType<typeof createSettingsAdmin>;

/** The running system an experiment acts on. */
export interface ChaosTarget {
  /** URL of each function: orders, inventory, payments, notifications at least. */
  functions: Readonly<Record<string, string>>;
  /** The operator's token, for `PUT /stock/:sku`. */
  operatorToken?: string;
  /** Writes fault rules into the functions' live settings. */
  admin: SettingsAdmin;
  /** The devstack's control API (restarts, fault proxies); experiments that need it are skipped without it. */
  control?: string;
  /** Postgres of the functions, to count captures in the event store. */
  databaseUrl: string;
}

/** Who writes the rules, in the settings' audit. */
export const actor = { actor: 'npm run chaos' };

/** An expiry `ms` from now, ISO 8601. */
export const expiresIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Sets a fault rule in `scope`'s settings (`global` for every function). */
export async function setRule(
  target: Pick<ChaosTarget, 'admin'>,
  id: string,
  rule: Record<string, unknown>,
  scope = 'global',
): Promise<void> {
  await target.admin.set(
    scope,
    `chaos.rules.${id}`,
    { expiresAt: expiresIn(600_000), ...rule },
    actor,
  );
}

/** Removes a fault rule from `scope`'s settings. */
export async function endRule(
  target: Pick<ChaosTarget, 'admin'>,
  id: string,
  scope = 'global',
): Promise<void> {
  await target.admin.unset(scope, `chaos.rules.${id}`, actor);
}

/** Calls the control API; throws with its problem's detail. */
export async function control(
  target: ChaosTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  if (!target.control) throw new Error('no control API (start the stack with npm start)');
  const response = await fetch(`${target.control}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as { detail?: string };
  if (!response.ok) throw new Error(`${method} ${path}: ${answer.detail ?? response.status}`);
  return answer;
}
