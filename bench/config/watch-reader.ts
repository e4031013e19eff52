// One reader process of the config bench in watch mode (what Deno and Node can do): prints
// `{"ready":true}` once loaded, then one JSON line with the round and Date.now() per apply.
import { etcdConfigStore } from '../../shared/config/etcd-store.ts';
import { createSettingsCache } from '../../shared/config/settings-cache.ts';
import { benchSettings } from './schema.ts';

const [url, prefix] = process.argv.slice(2);
const cache = createSettingsCache({
  store: etcdConfigStore({ url: url!, prefix: prefix!, watchMode: 'stream' }),
  service: 'bench',
  schema: benchSettings,
  refresh: 'watch',
  log: { info: () => undefined, warn: (line) => console.error(line) },
});
cache.onApply(({ settings }) => {
  console.log(JSON.stringify({ round: settings.round, at: Date.now() }));
});
await cache.ready();
console.log(JSON.stringify({ ready: true }));
process.once('SIGTERM', () => {
  cache.close();
  process.exit(0);
});
