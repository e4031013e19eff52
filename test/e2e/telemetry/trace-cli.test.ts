// `npm run trace -- <traceId|orderId>` against the devstack's OTLP collector holding spans that
// real telemetry exported, and against the spans it persisted once the collector is gone.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpCollector, type OtlpCollector } from '../../../devstack/otlp/collector.ts';
import { repoRoot } from '../../../devstack/paths.ts';
import { otlpHttpExporter } from '../../../shared/telemetry/otlp-exporter.ts';
import { createTelemetry } from '../../../shared/telemetry/telemetry.ts';

function runTraceCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'devstack/trace-cli.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm run trace', () => {
  const orderId = randomUUID();
  let dir: string;
  let collector: OtlpCollector;
  let traceId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgemesh-trace-cli-'));
    collector = await startOtlpCollector({ port: 0, file: join(dir, 'traces.jsonl') });
    const spans = otlpHttpExporter({ endpoint: collector.url });
    const orders = createTelemetry({ service: 'orders', spans });
    const inventory = createTelemetry({ service: 'inventory', spans });
    const root = orders.startScope('POST /orders', {});
    root.annotate({ 'order.id': orderId, 'http.response.status_code': 202 });
    traceId = root.traceId;
    await root.run('saga step try-inventory', async (step) => {
      await sleep(5);
      await step.run(
        'POST inventory',
        async (call) => {
          const server = inventory.startScope('POST /reservations', call.headers());
          await sleep(5);
          server.annotate({ 'http.response.status_code': 201 });
          server.span.end();
        },
        { kind: SpanKind.CLIENT, attributes: { 'edgemesh.attempt': 1 } },
      );
    });
    root.span.end();
    await Promise.all([orders.flush(), inventory.flush()]);
  });

  afterAll(async () => {
    await collector?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  /** The waterfall rows: duration, bar, and the indented `service: name` label. */
  function rows(stdout: string) {
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trace ${traceId}  4 spans  [\\d.]+ ms$`));
    return lines.slice(1).map((line) => {
      const match = /^\s*([\d.]+) ms \|([█! ]{40})\| (.*)$/.exec(line);
      expect(match, line).not.toBeNull();
      return { ms: Number(match![1]), bar: match![2]!, label: match![3]! };
    });
  }

  it('prints the order’s span tree as a waterfall, found by order id', async () => {
    const { code, stdout } = await runTraceCli([orderId, '--url', collector.url]);
    expect(code).toBe(0);
    const printed = rows(stdout);
    expect(printed.map((row) => row.label)).toEqual([
      `orders: POST /orders  http.response.status_code=202 order.id=${orderId}`,
      '  orders: saga step try-inventory',
      '    orders: POST inventory  edgemesh.attempt=1',
      '      inventory: POST /reservations  http.response.status_code=201',
    ]);
    // The root starts the bar and is the longest; the innermost call starts later.
    const lengths = printed.map((row) => row.bar.trim().length);
    expect(printed[0]!.bar[0]).toBe('█');
    expect(Math.max(...lengths)).toBe(lengths[0]);
    expect(printed[3]!.bar.search('█')).toBeGreaterThan(0);
    expect(printed[3]!.ms).toBeGreaterThanOrEqual(4);
    expect(printed[3]!.ms).toBeLessThanOrEqual(printed[0]!.ms);
  });

  it('prints the same tree for the trace id', async () => {
    const byOrder = await runTraceCli([orderId, '--url', collector.url]);
    const byTrace = await runTraceCli([traceId, '--url', collector.url]);
    expect(byTrace.code).toBe(0);
    expect(rows(byTrace.stdout).map((row) => row.label)).toEqual(
      rows(byOrder.stdout).map((row) => row.label),
    );
  });

  it('fails with one line for an id no trace has', async () => {
    const missing = randomUUID();
    const { code, stdout, stderr } = await runTraceCli([missing, '--url', collector.url]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(`trace: no trace found for ${missing}`);
  });

  it('reads the persisted spans when the collector is not running', async () => {
    const url = collector.url;
    await collector.close();
    const { code, stdout } = await runTraceCli([orderId, '--url', url, '--state-dir', dir]);
    expect(code).toBe(0);
    expect(rows(stdout).map((row) => row.label.trim().split('  ')[0])).toEqual([
      'orders: POST /orders',
      'orders: saga step try-inventory',
      'orders: POST inventory',
      'inventory: POST /reservations',
    ]);
  });
});
