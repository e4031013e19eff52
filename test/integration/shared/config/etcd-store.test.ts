import { describe, inject, it } from 'vitest';
import { etcdConfigStore } from '../../../../shared/config/etcd-store.ts';
import { configStoreContract } from '../../../unit/shared/config/config-store-contract.ts';

const url = inject('etcdUrl');
const prefix = `/edgemesh-test/${process.pid}/`;

if (url) {
  configStoreContract('etcd, watching the stream', () =>
    etcdConfigStore({ url, prefix, watchMode: 'stream' }),
  );
  configStoreContract('etcd, watching by polling', () =>
    etcdConfigStore({ url, prefix, watchMode: 'poll', pollIntervalMs: 50 }),
  );
} else {
  describe('ConfigStore contract: etcd', () => {
    it.skip('skipped: no etcd binary on PATH and no ETCD_URL (apt-get install etcd-server)', () => {});
  });
}
