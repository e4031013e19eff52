// `npm run trace -- <traceId|orderId>`: prints a trace collected by the devstack as a waterfall.
// Without an argument, lists recent traces. Reads the collector's URL from endpoints.json when
// that devstack is the one running (its functions answer its instance id); otherwise reads the
// spans it persisted under the state dir.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { liveDevstack } from './live.ts';
import { readSpanFile } from './otlp/collector.ts';
import type { CollectedSpan } from './otlp/spans.ts';
import { memoryTraceStore, type TraceStore, type TraceSummary } from './otlp/trace-store.ts';
import { renderWaterfall } from './otlp/waterfall.ts';
import { stateDir as defaultStateDir } from './paths.ts';

const usage =
  'usage: npm run trace -- [<traceId|orderId>] [--url URL] [--state-dir DIR] [--attribute order.id]';

function fail(message: string): never {
  console.error(`trace: ${message}`);
  process.exit(1);
}

interface Source {
  get(traceId: string): Promise<CollectedSpan[]>;
  find(attribute: string, value: string): Promise<string[]>;
  recent(): Promise<TraceSummary[]>;
}

function httpSource(base: string): Source {
  const getJson = async <T>(path: string): Promise<T | undefined> => {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`${base}${path} answered ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    get: async (traceId) =>
      (await getJson<{ spans: CollectedSpan[] }>(`/api/traces/${traceId}`))?.spans ?? [],
    find: async (attribute, value) =>
      (
        await getJson<{ traceIds: string[] }>(
          `/api/traces?attribute=${encodeURIComponent(attribute)}&value=${encodeURIComponent(value)}`,
        )
      )?.traceIds ?? [],
    recent: async () => (await getJson<{ traces: TraceSummary[] }>('/api/traces'))?.traces ?? [],
  };
}

function storeSource(store: TraceStore): Source {
  return {
    get: (traceId) => Promise.resolve(store.get(traceId)),
    find: (attribute, value) => Promise.resolve(store.findByAttribute(attribute, value)),
    recent: () => Promise.resolve(store.recent()),
  };
}

/** The collector of this checkout's devstack, when it is the one running (its instance answers). */
async function collectorUrl(dir: string): Promise<string | undefined> {
  return (await liveDevstack(dir))?.otlp.url;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/traces?limit=1`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'state-dir': { type: 'string' },
        attribute: { type: 'string', default: 'order.id' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return console.log(usage);
  const dir = values['state-dir'] ? resolve(values['state-dir']) : defaultStateDir;
  const url = values.url ?? (await collectorUrl(dir));
  let source: Source;
  if (url && (await reachable(url))) source = httpSource(url);
  else {
    const store = memoryTraceStore({ maxTraces: 100_000 });
    store.add(await readSpanFile(join(dir, 'traces.jsonl')));
    source = storeSource(store);
  }
  const wanted = positionals[0];
  if (!wanted) {
    const recent = await source.recent();
    if (recent.length === 0) return console.log('no traces collected yet');
    for (const trace of recent) {
      console.log(
        `${trace.traceId}  ${trace.durationMs.toFixed(1).padStart(8)} ms  ${String(trace.spanCount).padStart(3)} spans  ${trace.rootName}  [${trace.services.join(', ')}]`,
      );
    }
    return;
  }
  const traceIds = /^[0-9a-f]{32}$/i.test(wanted)
    ? [wanted.toLowerCase()]
    : await source.find(values.attribute, wanted);
  const found = (await Promise.all(traceIds.map((id) => source.get(id)))).filter(
    (spans) => spans.length > 0,
  );
  if (found.length === 0) fail(`no trace found for ${wanted}`);
  for (const spans of found) process.stdout.write(`${renderWaterfall(spans)}\n`);
}

await main();
