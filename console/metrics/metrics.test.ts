// Pure computations from fixed inputs, plus the HTTP and Redis readers against real local servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';
import type { Inventory } from '../../provision/inventory/types.ts';
import { planDashboardBatch, type BatchRecord } from '../../pipeline/core/dashboard.ts';
import type { Passage } from '../../pipeline/core/passage.ts';
import { computeLag, kafkaBrokers, ratesBetween, type OffsetSample } from './kafka-lag.ts';
import { endpointUrl, getJson, parseFlink, parseHbase, parseHdfs } from './http-figures.ts';
import { RedisDashboardReader, redisTarget } from './redis-dashboard.ts';
import { inventoryMetrics } from './inventory-source.ts';
import { Absent, panel } from './types.ts';

describe('consumer lag and rates', () => {
  const ends = [
    { topic: 'etc', partition: 0, low: 0, high: 100 },
    { topic: 'etc', partition: 1, low: 10, high: 50 },
  ];
  it('lag is log end minus committed; nothing committed counts from the low watermark', () => {
    const lag = computeLag(ends, [
      { group: 'flink', topic: 'etc', partition: 1, offset: -1 },
      { group: 'flink', topic: 'etc', partition: 0, offset: 90 },
      { group: 'gone', topic: 'other', partition: 0, offset: 5 },
    ]);
    expect(lag).toEqual([
      { group: 'flink', topic: 'etc', partition: 0, lag: 10 },
      { group: 'flink', topic: 'etc', partition: 1, lag: 40 },
    ]);
  });
  it('rates are offset advances per second; the first sample and rewinds give no rate', () => {
    const a: OffsetSample = { atMs: 1000, ends, committed: [{ group: 'g', topic: 'etc', partition: 0, offset: 50 }] };
    const b: OffsetSample = {
      atMs: 3000,
      ends: [{ ...ends[0], high: 300 }, { ...ends[1], high: 40 }, { topic: 'new', partition: 0, low: 0, high: 999 }],
      committed: [{ group: 'g', topic: 'etc', partition: 0, offset: 250 }],
    };
    expect(ratesBetween(null, a)).toEqual({ produceRate: null, consumeRate: null });
    expect(ratesBetween(a, b)).toEqual({ produceRate: 100, consumeRate: 100 });
  });
  it('brokers come from the kafka module endpoints (its broker port, no guessing); no Kafka in it is "absent", not an error', async () => {
    const inv = fixtureInventory();
    expect(() => kafkaBrokers(inv)).toThrow(Absent);
    inv.services.kafka = { roles: { broker: ['node1', 'node2'] }, ports: { broker: 9092 }, version: '3', source: { kind: 'maven' }, heap: {}, settings: {}, secrets: {} };
    expect(kafkaBrokers(inv)).toEqual(['10.213.7.11:9092', '10.213.7.12:9092']);
    expect(await panel(async () => kafkaBrokers(fixtureInventory()))).toEqual({ state: 'absent', reason: 'Kafka is not in the inventory' });
  });
});

describe('HDFS / HBase / Flink figures', () => {
  it('parses the NameNode and HMaster JMX beans and Flink /overview', () => {
    expect(parseHdfs({ beans: [{ NumLiveDataNodes: 3, NumDeadDataNodes: 0 }] })).toEqual({ liveDataNodes: 3, deadDataNodes: 0 });
    expect(parseHbase({ beans: [{ numRegionServers: 2, numDeadRegionServers: 1 }] })).toEqual({ regionServers: 2, deadRegionServers: 1 });
    expect(parseFlink({ taskmanagers: 2, 'slots-total': 4, 'slots-available': 3, 'jobs-running': 1, 'jobs-failed': 0 })).toEqual({
      taskManagers: 2, slotsTotal: 4, slotsAvailable: 3, jobsRunning: 1, jobsFailed: 0,
    });
    expect(() => parseHdfs({ beans: [] })).toThrow(/no bean/);
    expect(() => parseHbase({ beans: [{ numRegionServers: '2' }] })).toThrow(/numRegionServers/);
  });
  it('derives URLs from the inventory and says "not deployed" for a missing service', () => {
    const inv = fixtureInventory();
    expect(() => endpointUrl(inv, 'flink')).toThrow(/flink is not deployed/);
    inv.services.hdfs = { roles: { namenode: ['node1'] }, ports: { namenodeHttp: 9870 }, version: '3', source: { kind: 'maven' }, heap: {}, settings: {}, secrets: {} };
    expect(endpointUrl(inv, 'hdfs')).toBe('http://10.213.7.11:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState');
  });

  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/jmx')) return res.end(JSON.stringify({ beans: [{ NumLiveDataNodes: 2, NumDeadDataNodes: 1 }] }));
      if (req.url === '/html') return res.end('<html>login</html>');
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads JSON over HTTP and reports status, non-JSON and refused connections as errors', async () => {
    expect(parseHdfs(await getJson(`${base}/jmx?qry=x`))).toEqual({ liveDataNodes: 2, deadDataNodes: 1 });
    await expect(getJson(`${base}/nope`)).rejects.toThrow(/HTTP 404/);
    await expect(getJson(`${base}/html`)).rejects.toThrow(/not JSON/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(getJson(`http://127.0.0.1:${freePort}/overview`, 1000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

const hasRedis = existsSync('/usr/bin/redis-server');
describe.skipIf(!hasRedis)(`Redis dashboard reader against a real redis-server${hasRedis ? '' : ' — skipped: apt-get install redis-server'}`, () => {
  let proc: ChildProcess;
  let port = 0;
  const PW_ENV = 'ETCLAB_CONSOLE_TEST_REDIS_PW';
  const password = `pw-${process.pid}-${Date.now()}`;
  let inv: Inventory;

  beforeAll(async () => {
    process.env[PW_ENV] = password;
    port = 20000 + (process.pid % 20000);
    // Config on stdin: the password never reaches argv.
    proc = spawn('/usr/bin/redis-server', ['-'], { stdio: ['pipe', 'ignore', 'ignore'] });
    proc.stdin!.end(`port ${port}\nbind 127.0.0.1\nrequirepass ${password}\nsave ""\nappendonly no\n`);
    const admin = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    for (let i = 0; i < 50; i++) {
      try {
        await admin.connect();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const t0 = Date.UTC(2023, 11, 8, 16, 0, 0);
    const passage = (i: number, cp: string, minute: number): Passage => ({
      gcxh: `G${i}`, xzqhmc: '铜山县', checkpoint: cp, boundaryLevel: 'CITY', fxlx: '1', eventTime: t0 + minute * 60_000 + i,
      hpzl: '02', hpzlLabel: '小型汽车', plate: `苏C${i}***`, brand: 'x',
    });
    const records = [
      passage(1, 'A-卡口', 0), passage(2, 'A-卡口', 0), passage(3, 'B-卡口', 1), passage(4, 'A-卡口', 2), passage(5, 'A-卡口', 2), passage(6, 'A-卡口', 2),
    ].map((p, offset): BatchRecord => ({ offset, passage: p }));
    records[5].alerts = [{
      id: 'clone:A:G3:G6', rule: 'A', plate: '苏C3***', gapMs: 60_000, thresholdMs: 600_000,
      first: { gcxh: 'G3', checkpoint: 'B-卡口', eventTime: records[2].passage.eventTime },
      second: { gcxh: 'G6', checkpoint: 'A-卡口', eventTime: records[5].passage.eventTime },
    }];
    const plan = planDashboardBatch({ topic: 'etc', partition: 0, records }, null);
    for (const [c, ...a] of plan.commands) await admin.call(c, ...a);
    admin.disconnect();
    inv = fixtureInventory();
    inv.nodes[0].address = '127.0.0.1';
    inv.services.redis.ports.redis = port;
    inv.secrets.redis_password = { env: PW_ENV };
  }, 30_000);

  afterAll(() => {
    proc?.kill('SIGTERM');
    delete process.env[PW_ENV];
  });

  it('reads flow per minute, recent clone alerts and counters with the pipeline\'s key scheme', async () => {
    expect(redisTarget(inv)).toMatchObject({ host: '127.0.0.1', port });
    const reader = new RedisDashboardReader(inv, 5);
    try {
      const d = await reader.read();
      expect(d.total).toBe(6);
      expect(d.flow).toHaveLength(5);
      expect(d.flow.slice(-3).map((m) => m.counts)).toEqual([{ 'A-卡口': 2 }, { 'B-卡口': 1 }, { 'A-卡口': 3 }]);
      expect(d.recentClones.map((a) => a.plate)).toEqual(['苏C3***']);
      expect(d.alertCounts).toEqual({ clone_A: 1 });
    } finally {
      await reader.close();
    }
  });

  it('a wrong password is that panel\'s error; the other panels still read', async () => {
    process.env[PW_ENV] = 'wrong-password';
    const src = inventoryMetrics(inv);
    try {
      const snap = await src.read();
      expect(snap.dashboard.state).toBe('error');
      expect(snap.dashboard.state === 'error' && snap.dashboard.error).toMatch(/WRONGPASS|invalid password|NOAUTH/i);
      expect(snap.dashboard.state === 'error' && snap.dashboard.error).not.toContain(password);
      expect(snap.kafka).toEqual({ state: 'absent', reason: 'Kafka is not in the inventory' });
      expect(snap.cluster.flink.state).toBe('absent');
    } finally {
      process.env[PW_ENV] = password;
      await src.close();
    }
  });
});
