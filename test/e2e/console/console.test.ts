// The operations console in Debian's Chromium (playwright-core, no browser download): an order
// placed through the API appears and settles, its saga timeline and trace open; a dead letter is
// replayed and delivered; a breaker forced open makes calls fail fast; hostile values stay text.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@upstash/qstash';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startConsole, type Console } from '../../../devstack/console/index.ts';
import { listFunctions, loadServices } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions } from '../../../devstack/functions/start.ts';
import { createSql } from '../../../shared/postgres/neon.ts';
import { closeServer, freePort, listen } from '../../../devstack/listen.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const artifacts = join(import.meta.dirname, '..', '..', 'artifacts');
const names = ['inventory', 'orders', 'payments'];
const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

const suiteName = hasChromium
  ? 'operations console in Chromium'
  : `operations console in Chromium (skipped: no chromium at ${chromiumPath}; apt-get install chromium)`;

describe.skipIf(!hasChromium)(suiteName, () => {
  const vars = inject('devstackVars');
  const run = randomUUID().slice(0, 8);
  const operatorToken = `e2e-console-${randomUUID()}`;
  const ports: Record<string, number> = {};
  const received: string[] = [];
  let receiverUp = false;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/dead')) {
        if (receiverUp) received.push(body);
        res.writeHead(receiverUp ? 200 : 500).end();
      } else res.writeHead(200).end();
    });
  });
  let sink = 0;
  let running: RunningFunction[] = [];
  let ops: Console;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;
  const shot = (name: string) =>
    page.screenshot({ path: join(artifacts, `console-${name}.png`), fullPage: true });

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    sink = await listen(receiver, 0);
    const specs = listFunctions().filter((spec) => names.includes(spec.name));
    const services = await loadServices(specs);
    const env = {
      ...vars,
      SERVICE_AUTH_SECRET: `e2e-console-${randomUUID()}`,
      EDGEMESH_OPERATOR_TOKEN: operatorToken,
      EDGEMESH_CONFIG_PREFIX: `edgemesh:config:e2e-console-${run}:`,
      EDGEMESH_BREAKER_PREFIX: `edgemesh:breaker:e2e-console-${run}`,
      EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:e2e-console-${run}`,
      ORDERS_EVENTS_DESTINATION: `http://127.0.0.1:${sink}/order-events`,
      ORDERS_SAGA_DEADLINE_MS: '6000',
      ...Object.fromEntries(names.map((n) => [`SERVICE_${n.toUpperCase()}_URL`, url(n)])),
    };
    running = await startFunctions(specs, { runtime: 'workerd', ports, vars: env, log: () => {} });
    ops = await startConsole({
      port: 0,
      functions: running,
      services,
      vars: env,
      sampleIntervalMs: 500,
    });
    await mkdir(artifacts, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'edgemesh-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1366, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${ops.url}/#/map`);
    await page.getByLabel('Operator token').fill(operatorToken);
    await page.getByLabel('Operator token').dispatchEvent('change');
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await ops?.close();
    await Promise.all(running.map((fn) => fn.stop()));
    await closeServer(receiver);
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const placeOrder = async (customerId: string) => {
    const sku = `console-${run}`;
    await fetch(`${url('inventory')}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
      body: JSON.stringify({ available: 50 }),
    });
    const response = await fetch(`${url('orders')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, items: [{ sku, quantity: 1, unitPrice: 1250 }] }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  };

  it('shows an order placed through the API appear and settle, with its saga timeline and trace', async () => {
    const orderId = await placeOrder(`c-${run}`);
    await page.goto(`${ops.url}/#/orders`);
    const row = page.getByRole('row').filter({ hasText: orderId });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await row.getByText('confirmed').waitFor({ timeout: 15_000 });
    await shot('orders');
    await row.getByRole('link', { name: orderId }).click();
    await page.getByRole('table', { name: /Saga: completed/ }).waitFor({ timeout: 10_000 });
    const steps = page.getByRole('table', { name: /Saga/ }).getByRole('row');
    expect(await steps.count()).toBeGreaterThan(2);
    await shot('saga');
    await page.getByRole('link', { name: 'Open its trace' }).click();
    await page.getByRole('heading', { name: /^Trace [0-9a-f]{32}/ }).waitFor({ timeout: 15_000 });
    const spans = page.getByRole('table', { name: /Spans/ });
    await expect
      .poll(async () => spans.textContent(), { timeout: 5_000 })
      .toMatch(/inventory[\s\S]*payments|payments[\s\S]*inventory/);
    await shot('trace');
    await page.goto(`${ops.url}/#/map`);
    const orders = page.getByRole('article', { name: /^orders/ });
    await orders.getByText('POST /orders', { exact: true }).waitFor({ timeout: 10_000 });
    await orders.getByText('ok', { exact: true }).waitFor();
    await shot('map');
  }, 60_000);

  it('forces a breaker open from the console, and calls to it fail fast until set back', async () => {
    await page.goto(`${ops.url}/#/breakers`);
    const force = page.getByRole('button', { name: 'Force open: orders calling inventory' });
    await force.click();
    const row = page
      .getByRole('row')
      .filter({ hasText: 'orders' })
      .filter({ hasText: 'inventory' });
    await row.getByText('FORCED_OPEN').waitFor({ timeout: 10_000 });
    await shot('breaker-forced');
    const applied = async () =>
      (
        (await (await fetch(`${url('orders')}/health`)).json()) as {
          settings: { revision: { service: number } };
        }
      ).settings.revision.service;
    await expect.poll(applied, { timeout: 10_000 }).toBeGreaterThan(0);
    const orderId = await placeOrder(`c-open-${run}`);
    await page.goto(`${ops.url}/#/orders/${orderId}`);
    await page.getByRole('table', { name: /Saga: aborted/ }).waitFor({ timeout: 20_000 });
    await shot('breaker-order');
    // No call reached inventory: the breaker refused each attempt at once.
    expect(await page.getByRole('table', { name: /Saga/ }).textContent()).toContain(
      'The circuit for inventory is open',
    );
    await page.goto(`${ops.url}/#/breakers`);
    await page.getByRole('button', { name: 'Automatic: orders calling inventory' }).click();
    await row.getByText('automatic').waitFor({ timeout: 10_000 });
  }, 60_000);

  it('replays a dead letter from the console and sees it delivered', async () => {
    const qstash = new Client({ baseUrl: vars.QSTASH_URL!, token: vars.QSTASH_TOKEN! });
    const body = JSON.stringify({ run, hostile });
    const { messageId } = await qstash.publish({
      url: `http://127.0.0.1:${sink}/dead-${run}`,
      body,
      retries: 0,
    });
    await page.goto(`${ops.url}/#/queues`);
    const replay = page.getByRole('button', { name: `Replay dead letter ${messageId}` });
    await replay.waitFor({ timeout: 15_000 });
    await shot('dead-letter');
    receiverUp = true;
    await replay.click();
    await expect.poll(() => received, { timeout: 10_000 }).toContain(body);
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Replayed/);
    await expect.poll(() => replay.count(), { timeout: 5_000 }).toBe(0);
    await shot('replayed');
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  }, 40_000);

  it('shows a refused setting inline, and rolls a change back from its history', async () => {
    await page.goto(`${ops.url}/#/settings/inventory`);
    const path = page.getByLabel('Path');
    const value = page.getByLabel('Value', { exact: true });
    const set = async (v: string) => {
      await path.fill('breaker.failureRateThreshold');
      await value.fill(v);
      await value.press('Enter');
    };
    await set('500');
    const errors = page.locator('#setting-errors');
    await errors.getByText('breaker.failureRateThreshold').waitFor({ timeout: 10_000 });
    expect(await value.getAttribute('aria-invalid')).toBe('true');
    // Each refused field with its own message, not the whole refusal repeated.
    expect(await errors.textContent()).not.toContain('invalid settings');
    await shot('settings-refused');
    await set('40');
    await page
      .getByRole('status')
      .getByText(/revision 1 written/)
      .waitFor({ timeout: 10_000 });
    await set('60');
    await page
      .getByRole('status')
      .getByText(/revision 2 written/)
      .waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Roll inventory back to revision 1' }).click();
    await page
      .getByRole('status')
      .getByText(/rolled back to 1 as revision 3/)
      .waitFor({ timeout: 10_000 });
    const document = page.getByLabel('inventory settings document');
    await expect
      .poll(() => document.textContent(), { timeout: 5_000 })
      .toMatch(/"failureRateThreshold": 40/);
    await shot('settings-rolled-back');
  }, 30_000);

  it('shows a hostile order field and span attribute as text, never as markup or script', async () => {
    const orderId = `hostile-${run}`;
    const traceId = randomUUID().replaceAll('-', '');
    // Values no function's API would accept, written where the console reads them.
    const sql = createSql({
      DATABASE_URL: vars.DATABASE_URL!,
      NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT!,
      NEON_WS_PROXY: vars.NEON_WS_PROXY!,
    });
    await sql.query(
      `insert into es_documents (projection, id, version, doc) values ('orders', $1, 1, $2)`,
      [orderId, JSON.stringify({ status: hostile, reason: hostile, customerId: hostile, traceId })],
    );
    const now = BigInt(Date.now()) * 1_000_000n;
    await fetch(`${vars.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/v1\/traces$/, '')}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: hostile } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId: traceId.slice(0, 16),
                    name: hostile,
                    kind: 2,
                    startTimeUnixNano: String(now),
                    endTimeUnixNano: String(now + 5_000_000n),
                    attributes: [
                      { key: 'order.id', value: { stringValue: orderId } },
                      { key: hostile, value: { stringValue: hostile } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    await page.goto(`${ops.url}/#/orders`);
    await page
      .getByRole('row')
      .filter({ hasText: orderId })
      .getByText(hostile)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.goto(`${ops.url}/#/traces/search/${orderId}`);
    await page.getByRole('heading', { name: /^Trace / }).waitFor({ timeout: 10_000 });
    await page.locator('summary').first().click();
    await page.getByRole('table', { name: 'Attributes' }).getByText(hostile).first().waitFor();
    await shot('hostile');
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img, main script').count()).toBe(0);
    await sql.query(`delete from es_documents where projection = 'orders' and id = $1`, [orderId]);
  }, 30_000);
});
