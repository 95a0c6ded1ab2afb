// The dashboard answers whoever reaches 8080: stores refusing with texts that name a host, a user and a
// password (a MySQL ERR packet and Redis error replies from servers on 127.0.0.1, through the real stores module
// and drivers) reach the HTTP bodies only as a store and an error class; the server's log keeps the text.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardServer } from './server.ts';
import { openStores, type Stores } from '../query/stores.ts';
import { healthOf } from '../query/health.ts';
import type { ReadAccess } from '../query/access.ts';
import { listenLocal, mysqlRefusing, redisReplying } from '../test/fake-servers.ts';

const HOST = '10.213.7.11';
const USER = 'etc_ro';
const PASSWORD = "r3ad'Only-Ü$pw#1";
const LEAKS = [HOST, USER, PASSWORD, '127.0.0.1', 'Access denied', 'WRONGPASS', 'ECONNREFUSED', 'SELECT'];

const fakes: Server[] = [
  mysqlRefusing(1045, '28000', `Access denied for user '${USER}'@'${HOST}' (using password: YES) ${PASSWORD}`),
  redisReplying(`WRONGPASS invalid username-password pair or user is disabled. ${USER}@${HOST} ${PASSWORD}`),
];
const logged: string[] = [];
let stores: Stores;
let dashboard: ReturnType<typeof createDashboardServer>;
let base = '';

beforeAll(async () => {
  const [mysqlPort, redisPort] = await Promise.all(fakes.map(listenLocal));
  // A port nothing listens on (not 9: fetch refuses the spec's "bad ports" before dialling).
  const gone = createServer();
  const port = await listenLocal(gone);
  await new Promise((r) => gone.close(r));
  const access: ReadAccess = {
    shards: [{ node: 'node1', host: '127.0.0.1', port: mysqlPort!, user: USER, database: 'etc', passwordSecret: 'ro' }],
    redis: { host: '127.0.0.1', port: redisPort!, user: USER, passwordSecret: 'ro' },
    hbase: { host: '127.0.0.1', port },
    flink: { host: '127.0.0.1', port },
    consumers: [{ node: 'node2', host: '127.0.0.1', port }],
    kafka: { brokers: [`127.0.0.1:${port}`], topic: 'etc_traffic_data' },
  };
  stores = openStores(access, async () => PASSWORD);
  const log = (l: string) => void logged.push(l);
  dashboard = createDashboardServer({ stores, health: healthOf(access, stores, log), refreshSec: 30, log });
  base = `http://127.0.0.1:${await listenLocal(dashboard)}`;
});
afterAll(async () => {
  dashboard.close();
  fakes.forEach((f) => f.close());
  await stores.close();
});

function expectNoLeak(body: string): void {
  for (const s of LEAKS) expect(body, s).not.toContain(s);
}

describe('dashboard error answers', () => {
  it('a refused account is 503 with the store and auth-failed, nothing of the driver text', async () => {
    const cases: Array<[string, string]> = [
      ['/api/alerts', 'mysql'],
      ['/api/dashboard/overview', 'redis'],
    ];
    for (const [path, store] of cases) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(503);
      const body = await r.text();
      expectNoLeak(body);
      expect(JSON.parse(body)).toEqual({ store, class: 'auth-failed', error: `${store} unavailable: auth-failed` });
    }
    const plate = await fetch(`${base}/api/query/plate/x`);
    expect(plate.status).toBe(503);
    expect(JSON.parse(await plate.text())).toEqual({ store: 'hbase', class: 'store-unreachable', error: 'hbase unavailable: store-unreachable' });
    expect(logged.join('\n')).toContain(`'${USER}'@'${HOST}'`);
  });

  it('the health strip: every store, the consumers, Flink and Kafka as classes', async () => {
    const body = await (await fetch(`${base}/api/health`)).text();
    expectNoLeak(body);
    const h = JSON.parse(body);
    expect(h.stores).toEqual({
      mysql: { ok: false, detail: 'auth-failed' },
      redis: { ok: false, detail: 'auth-failed' },
      hbase: { ok: false, detail: 'store-unreachable' },
    });
    expect(h.pipeline.down).toEqual(['node2: store-unreachable']);
    expect(h.flink.error).toBe('store-unreachable');
    expect(h.produce.error).toBe('store-unreachable');
    expect(logged.join('\n')).toMatch(/health: redis: .*WRONGPASS/);
  });

  it('an unexpected failure is 500 "internal"', async () => {
    const log: string[] = [];
    const boom = createDashboardServer({ stores, health: async () => { throw new Error(`${USER}@${HOST} ${PASSWORD}`); }, refreshSec: 30, log: (l) => void log.push(l) });
    const at = `http://127.0.0.1:${await listenLocal(boom)}`;
    try {
      const r = await fetch(`${at}/api/health`);
      expect(r.status).toBe(500);
      const body = await r.text();
      expectNoLeak(body);
      expect(JSON.parse(body)).toEqual({ error: 'internal', class: 'internal' });
      expect(log.join('\n')).toContain(HOST);
    } finally {
      boom.close();
    }
  });
});
