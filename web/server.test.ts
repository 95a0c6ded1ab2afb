// The dashboard server against stores that do not answer (ports where nothing listens): pages and assets
// are served locally, bad parameters are 400 naming the parameter, a store down is 503 naming the store and
// the error's class; the driver's text (hosts, users) only in the server's log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createDashboardServer } from './server.ts';
import { openStores } from '../query/stores.ts';
import { healthOf } from '../query/health.ts';
import type { ReadAccess } from '../query/access.ts';

const nowhere = { host: '127.0.0.1', port: 9 };
const access: ReadAccess = { shards: [{ ...nowhere, node: 'node1', user: 'etc_ro', database: 'etc', passwordSecret: 'x' }], redis: { ...nowhere, user: 'etc_ro', passwordSecret: 'x' }, hbase: nowhere, flink: null, consumers: [], kafka: null };
const stores = openStores(access, async () => 'not-a-real-password');
const logged: string[] = [];
const log = (l: string) => void logged.push(l);
const server = createDashboardServer({ stores, health: healthOf(access, stores, log), refreshSec: 30, log });
let base = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await stores.close();
});

describe('dashboard server', () => {
  it('serves both pages, its script and ECharts itself, with a policy that allows nothing else', async () => {
    for (const p of ['/', '/query']) {
      const r = await fetch(base + p);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      const html = await r.text();
      expect(html).toMatch(/<script src="\/vendor\/echarts\.min\.js"><\/script>/);
      expect(html).not.toMatch(/https?:\/\//);
    }
    const echarts = await fetch(`${base}/vendor/echarts.min.js`);
    expect(echarts.status).toBe(200);
    expect((await echarts.text()).length).toBeGreaterThan(500_000);
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/api/config`)).status).toBe(200);
  });

  it('bad parameters are 400 naming the parameter; unknown endpoints 404; writes 405', async () => {
    const r = await fetch(`${base}/api/query/aggregate?checkpoint=G3-K731&from=yesterday&to=2024-01-08%2011:00`);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'from: not a time: "yesterday" (Beijing time like 2024-01-08 10:05, or epoch ms)', param: 'from' });
    expect((await (await fetch(`${base}/api/query/plate/x?limit=5000`)).json()).param).toBe('limit');
    expect((await (await fetch(`${base}/api/alerts?type=C`)).json()).param).toBe('type');
    expect((await fetch(`${base}/api/nope`)).status).toBe(404);
    expect((await fetch(`${base}/api/query/plate/x`, { method: 'POST' })).status).toBe(405);
  });

  it('a store that does not answer is 503 naming it; health says which', async () => {
    const r = await fetch(`${base}/api/dashboard/overview`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ store: 'redis', class: 'store-unreachable', error: 'redis unavailable: store-unreachable' });
    const p = await fetch(`${base}/api/query/plate/${encodeURIComponent('苏C08***')}`);
    expect(p.status).toBe(503);
    expect((await p.json()).store).toBe('hbase');
    const a = await fetch(`${base}/api/alerts`);
    expect(await a.json()).toEqual({ store: 'mysql', class: 'store-unreachable', error: 'mysql unavailable: store-unreachable' });
    const h = (await (await fetch(`${base}/api/health`)).json()) as { stores: Record<string, { ok: boolean; detail: string }> };
    expect(Object.values(h.stores)).toEqual([false, false, false].map((ok) => ({ ok, detail: 'store-unreachable' })));
    expect(logged.join('\n')).toMatch(/mysql does not answer: shard node1: connect ECONNREFUSED 127\.0\.0\.1:9/);
  });
});
