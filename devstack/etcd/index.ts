import { etcdAnswers, spawnEtcd } from './etcd-process.ts';

export { etcdAnswers, etcdOnPath, spawnEtcd, type EtcdProcess } from './etcd-process.ts';

/** The etcd the devstack uses, for its table and `.devstack/endpoints.json` (`etcd`). */
export interface DevstackEtcd {
  /** Client URL of etcd's HTTP/JSON gateway (what `ETCD_URL` holds). */
  readonly url: string;
  /** `external` = ETCD_URL; `spawned` = started from PATH and stopped on close. */
  readonly kind: 'external' | 'spawned';
  /** One line for the devstack banner, e.g. "etcd 3.4.23 http://127.0.0.1:24017 (spawned …)". */
  readonly description: string;
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** An etcd to use as is; defaults to env ETCD_URL. When set, nothing is spawned. */
  url?: string;
  log?: (line: string) => void;
}

/**
 * The etcd of the devstack: ETCD_URL when set (it must answer), else `etcd` from PATH on free
 * ports with a temporary data directory; null when neither is available, and the devstack then
 * runs without etcd (settings stay on Redis).
 */
export async function startEtcd({
  url = process.env.ETCD_URL || undefined,
  log = () => undefined,
}: StartEtcdOptions = {}): Promise<DevstackEtcd | null> {
  if (url) {
    if (!(await etcdAnswers(url, 2_000)))
      throw new Error(`etcd: nothing answers at ETCD_URL ${url}`);
    const etcd: DevstackEtcd = {
      url: url.replace(/\/+$/, ''),
      kind: 'external',
      description: `etcd ${url} (ETCD_URL)`,
      stop: () => Promise.resolve(),
    };
    log(`etcd: ${etcd.description}`);
    return etcd;
  }
  const spawned = await spawnEtcd();
  if (!spawned) {
    log('etcd: no etcd on PATH and no ETCD_URL; running without etcd');
    return null;
  }
  const etcd: DevstackEtcd = {
    url: spawned.url,
    kind: 'spawned',
    description: `${spawned.version.replace('etcd Version:', 'etcd')} ${spawned.url} (spawned, stopped on close)`,
    stop: () => spawned.stop(),
  };
  log(`etcd: ${etcd.description}`);
  return etcd;
}
