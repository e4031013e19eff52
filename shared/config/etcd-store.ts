import {
  checkRevision,
  ConfigConflictError,
  type ConfigEntry,
  type ConfigStore,
} from './config-store.ts';
import { prefixEndBase64 } from './etcd/base64.ts';
import { createEtcdGateway, type EtcdGatewayOptions, type EtcdKeyValue } from './etcd/gateway.ts';
import { watchMessages } from './etcd/watch-stream.ts';
import { pollWatch } from './poll-watch.ts';

/** Options of the etcd config store. */
export interface EtcdConfigStoreOptions extends EtcdGatewayOptions {
  /** Key prefix. Default `/edgemesh/config/`. */
  prefix?: string;
  /**
   * `stream`: `watch` holds etcd's `/v3/watch` stream (Deno, Node); `poll`: it polls every
   * `pollIntervalMs` (workerd, where a stream cannot outlive the request that opened it).
   * Default `stream`.
   */
  watchMode?: 'stream' | 'poll';
  /** Poll interval of `watchMode: 'poll'`, ms. Default 500. */
  pollIntervalMs?: number;
}

// Zero-padded so that key order is revision order in range reads.
const padded = (revision: number) => String(revision).padStart(12, '0');

/**
 * ConfigStore on etcd v3 through its HTTP/JSON gateway, with nothing but `fetch`, so it runs in
 * workerd and Deno as well as Node. The newest revision of a document lives at
 * `<prefix>doc/<key>`, whose etcd `version` is the document's revision; every revision is also
 * kept at `<prefix>rev/<key>/<revision>` (written in the same transaction), so history survives
 * etcd's compaction. A write reads the document's `mod_revision`, then commits in a txn that
 * compares it: `mod_revision` is cluster-wide and never reused, so not even a delete and
 * re-create in between can pass the compare.
 */
export function etcdConfigStore({
  prefix = '/edgemesh/config/',
  watchMode = 'stream',
  pollIntervalMs = 500,
  ...gatewayOptions
}: EtcdConfigStoreOptions): ConfigStore {
  const etcd = createEtcdGateway(gatewayOptions);
  const docKey = (key: string) => `${prefix}doc/${key}`;
  const revKey = (key: string, revision: number) => `${prefix}rev/${key}/${padded(revision)}`;
  const entryOf = (key: string, kv: EtcdKeyValue): ConfigEntry => ({
    key,
    revision: kv.version,
    value: kv.value,
  });

  /** Each key's document in one round trip (a txn of ranges with no compare always succeeds). */
  async function documents(keys: readonly string[], keysOnly: boolean, signal?: AbortSignal) {
    const result = await etcd.txn(
      { compare: [], success: keys.map((key) => ({ range: { key: docKey(key), keysOnly } })) },
      signal,
    );
    return { revision: result.revision, kvs: result.ranges.map((kvs) => kvs[0]) };
  }

  async function* streamWatch(
    keys: readonly string[],
    since: readonly number[] | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<ConfigEntry> {
    const known = new Map(keys.map((key, i) => [docKey(key), since?.[i] ?? 0]));
    const byDocKey = new Map(keys.map((key) => [docKey(key), key]));
    const offer = (kv: EtcdKeyValue): ConfigEntry | undefined => {
      const key = byDocKey.get(kv.key);
      if (key === undefined || kv.version <= known.get(kv.key)!) return undefined;
      known.set(kv.key, kv.version);
      return entryOf(key, kv);
    };
    while (!signal.aborted) {
      // Read first, then stream from the revision after the read: nothing falls in between.
      const { revision, kvs } = await documents(keys, false, signal);
      for (const kv of kvs) {
        const entry = kv && offer(kv);
        if (entry) yield entry;
      }
      const stream = await etcd.openWatch(
        {
          key: `${prefix}doc/`,
          rangeEndBase64: prefixEndBase64(`${prefix}doc/`),
          startRevision: revision + 1,
        },
        signal,
      );
      try {
        for await (const message of watchMessages(stream)) {
          // Compacted past our start: read again and stream from there.
          if (message.kind === 'canceled') break;
          if (message.kind !== 'events') continue;
          for (const kv of message.puts) {
            const entry = offer(kv);
            if (entry) yield entry;
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
    }
  }

  const store: ConfigStore = {
    description: `etcd ${etcd.url}`,
    async heads(keys, signal) {
      if (keys.length === 0) return [];
      const { kvs } = await documents(keys, true, signal);
      return kvs.map((kv) => kv?.version ?? 0);
    },
    async get(key, { revision, signal } = {}) {
      if (revision === undefined) {
        const { kvs } = await etcd.range({ key: docKey(key) }, signal);
        return kvs[0] && kvs[0].version > 0 ? entryOf(key, kvs[0]) : undefined;
      }
      if (revision < 1) return undefined;
      // The history key, or the document itself when a stray writer put it there directly.
      const { ranges } = await etcd.txn(
        {
          compare: [],
          success: [{ range: { key: revKey(key, revision) } }, { range: { key: docKey(key) } }],
        },
        signal,
      );
      const [kept] = ranges[0] ?? [];
      if (kept) return { key, revision, value: kept.value };
      const [doc] = ranges[1] ?? [];
      return doc?.version === revision ? entryOf(key, doc) : undefined;
    },
    async put(key, value, expectedRevision, signal) {
      checkRevision(expectedRevision, 'expected revision');
      const { kvs } = await etcd.range({ key: docKey(key), keysOnly: true }, signal);
      const current = kvs[0];
      const currentRevision = current?.version ?? 0;
      if (currentRevision !== expectedRevision) {
        throw new ConfigConflictError(key, expectedRevision, currentRevision);
      }
      const next = expectedRevision + 1;
      const result = await etcd.txn(
        {
          compare: [
            {
              key: docKey(key),
              target: 'MOD',
              result: 'EQUAL',
              modRevision: current?.modRevision ?? 0,
            },
            // A revision number is never written twice, even after the document was deleted.
            { key: revKey(key, next), target: 'CREATE', result: 'EQUAL', createRevision: 0 },
          ],
          success: [
            { put: { key: docKey(key), value } },
            { put: { key: revKey(key, next), value } },
          ],
          failure: [{ range: { key: docKey(key), keysOnly: true } }],
        },
        signal,
      );
      if (result.succeeded) return next;
      throw new ConfigConflictError(key, expectedRevision, result.ranges[0]?.[0]?.version ?? 0);
    },
    async history(key, { limit = 20, before, signal } = {}) {
      if (limit < 1) return [];
      const { kvs } = await etcd.range(
        {
          key: revKey(key, 0),
          rangeEnd: revKey(key, before ?? 1e12 - 1),
          sortOrder: 'DESCEND',
          sortTarget: 'KEY',
          limit,
        },
        signal,
      );
      return kvs.map((kv) => ({ key, revision: Number(kv.key.slice(-12)), value: kv.value }));
    },
    watch(keys, { since, signal }) {
      if (watchMode === 'poll') return pollWatch(store, keys, { since, signal }, pollIntervalMs);
      return streamWatch(keys, since, signal);
    },
  };
  return store;
}
